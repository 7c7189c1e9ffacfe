// Finding the values of named parameters in a URL's query or fragment, or in text that quotes a URL
// (a note, a log line), to redact them (redact.ts). A parameter begins after '?', '&', ';' or '#'.
// A value of a parameter that is not redacted ends at the next of those or '?', so that a URL nested
// unencoded in it (`?next=/cb?token=…`) is read too; a redacted one runs to the next '&' or '#', so
// that no tail of a secret shows (`?token=abc?def`). A value nested percent-encoded
// (`?redirect_uri=https%3A%2F%2Fx%2Fcb%3Faccess_token%3D…`, OAuth's usual form) is decoded and read
// as well: it is replaced whole when it holds a redacted parameter. In text, a URL ends at white
// space, a quote, a bracket or a comma, and a redacted value written in quotes is the quoted text.

/** A parameter's name as it compares: percent-decoded ('+' is a space), lower case, without the
 * brackets of an array form (`token[]`, `token[a][b]`). */
export function paramName(raw: string): string {
  const s = raw.replaceAll('+', ' ');
  let name: string;
  try {
    name = decodeURIComponent(s);
  } catch {
    name = s;
  }
  return name.toLowerCase().replace(/(\[[^\]]*\])+$/, '');
}

const SEPARATORS = new Set(['?', '&', ';', '#']);
const URL_END = new Set([' ', '\t', '\r', '\n', '<', '>']);
const TEXT_END = new Set([...URL_END, '"', "'", '(', ')', ',']);
const ENCODED_SEPARATOR = /%(3f|23|26|3b)/i;

/** `text` with the values of the parameters `names` (compared as paramName gives them) replaced by
 * `mark`; `inUrl`: `text` is a URL's query or fragment (from its '?' or '#'), else text quoting URLs. */
export function redactParams(text: string, names: ReadonlySet<string>, mark: string, inUrl: boolean): string {
  const end = inUrl ? URL_END : TEXT_END;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (!SEPARATORS.has(text[i]!)) continue;
    let j = i + 1;
    while (j < text.length && text[j] !== '=' && !SEPARATORS.has(text[j]!) && !end.has(text[j]!)) j++;
    if (j === i + 1 || text[j] !== '=') continue;
    const secret = names.has(paramName(text.slice(i + 1, j)));
    let k = j + 1;
    const quote = text[k];
    if (secret && !inUrl && (quote === '"' || quote === "'")) {
      const close = text.indexOf(quote, k + 1);
      k = close < 0 ? text.length : close + 1;
    } else {
      while (k < text.length && !end.has(text[k]!) && !(secret ? text[k] === '&' || text[k] === '#' : SEPARATORS.has(text[k]!))) k++;
    }
    const value = text.slice(j + 1, k);
    const kept = secret ? mark : nestedSecret(value, names, mark) ? mark : value;
    if (kept !== value) {
      out += text.slice(from, j + 1) + kept;
      from = k;
    }
    i = k - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Whether a value holds a URL, percent-encoded, with a parameter to redact. */
function nestedSecret(value: string, names: ReadonlySet<string>, mark: string): boolean {
  if (!ENCODED_SEPARATOR.test(value)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return false;
  }
  const at = decoded.search(/[?#]/);
  return at >= 0 && redactParams(decoded.slice(at), names, mark, true) !== decoded.slice(at);
}
