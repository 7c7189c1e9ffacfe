// Highlighting for nginx.conf text as Switchyard's printer writes it (app/nginx/printer.ts):
// statements "name arg …;" and blocks "name arg … { … }", '#' comments, quoted strings, $variables.
// The first word of a statement is the directive; the rest are its arguments. (@codemirror/
// legacy-modes' nginx mode only knows a fixed directive list, missing proxy_http_version,
// least_conn, keepalive…, and colours "http" inside every URL.)
import { StreamLanguage, type StringStream } from '@codemirror/language';

interface State {
  /** The next word starts a statement (a directive name). */
  statement: boolean;
  /** Arguments of a `location` directive: the first may be a modifier. */
  location: number;
}

const MODIFIERS = new Set(['=', '~', '~*', '^~']);
/** Keyword arguments of the directives Switchyard writes. */
const ATOMS = new Set(['default_server', 'backup', 'down', 'consistent', 'two', 'on', 'off', 'default', 'upgrade', 'close', 'error', 'timeout', 'invalid_header', 'non_idempotent']);
/** Counts, sizes and times: "16", "1m", "500ms". */
const NUMBER = /^\d+(?:ms|[smhdwkKmMgG])?$/;
/** "$name" or "${name}" (a lone "$", e.g. a regex anchor, is not a variable). */
const VARIABLE = /^\$(?:\w+|\{\w+\})/;

/** An unquoted token up to the next space, ';', '{', '}', quote, or variable. */
function word(stream: StringStream): string {
  const s = stream.string;
  let i = stream.pos;
  while (i < s.length && !/[\s;{}"'#]/.test(s[i]!) && !(s[i] === '$' && VARIABLE.test(s.slice(i)))) i++;
  stream.pos = i;
  return stream.current();
}

export const nginxLanguage = StreamLanguage.define<State>({
  name: 'nginx',
  startState: () => ({ statement: true, location: 0 }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    if (stream.eatSpace()) return null;
    const c = stream.peek()!;
    if (c === '#') {
      stream.skipToEnd();
      return 'comment';
    }
    if (c === '{' || c === '}' || c === ';') {
      stream.next();
      state.statement = true;
      state.location = 0;
      return 'punctuation';
    }
    if (c === '"' || c === "'") {
      stream.next();
      let escaped = false;
      for (let ch = stream.next(); ch !== undefined; ch = stream.next()) {
        if (ch === c && !escaped) break;
        escaped = !escaped && ch === '\\';
      }
      state.statement = false;
      return 'string';
    }
    if (c === '$' && stream.match(VARIABLE)) return 'variableName.special';
    const w = word(stream);
    if (w === '') {
      stream.next();
      return null;
    }
    if (state.statement) {
      state.statement = false;
      state.location = w === 'location' ? 1 : 0;
      return 'keyword';
    }
    if (state.location === 1) {
      state.location = 2;
      if (MODIFIERS.has(w)) return 'atom';
    }
    if (ATOMS.has(w)) return 'atom';
    if (NUMBER.test(w)) return 'number';
    return null;
  },
  languageData: { commentTokens: { line: '#' } },
});
