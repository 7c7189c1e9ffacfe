// Finding the values of named parameters in a URL's query or fragment, or in text that quotes a URL
// (a note, a log line), to redact them (redact.ts). A parameter begins after '?', '&', ';' or '#'.
// A value of a parameter that is not redacted ends at the next of those or '?', so that a URL nested
// unencoded in it (`?next=/cb?token=…`) is read too; a redacted one runs to the next '&' or '#', so
// that no tail of a secret shows (`?token=abc?def`). A value nested percent-encoded
// (`?redirect_uri=https%3A%2F%2Fx%2Fcb%3Faccess_token%3D…`, OAuth's usual form) is decoded and read
// as well: it is replaced whole when it holds a redacted parameter. In text, a URL ends at white
// space, a quote, a bracket or a comma, and a redacted value written in quotes is the quoted text.

/** `s` with each %XX as the character of that byte, whatever follows ('+' a space): a lenient
 * decoding for finding names and separators, which never fails on a stray '%' or a byte that is
 * not UTF-8. */
function looseDecode(s: string): string {
  return s.replaceAll('+', ' ').replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** A parameter's name as it compares: percent-decoded ('+' is a space), lower case, without the
 * brackets of an array form (`token[]`, `token[a][b]`). */
export function paramName(raw: string): string {
  // (the usual name, with nothing encoded and no brackets, as it is)
  if (/^[A-Za-z0-9_.-]*$/.test(raw)) return raw.toLowerCase();
  let name: string;
  try {
    name = decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    name = looseDecode(raw);
  }
  return name.toLowerCase().replace(/(\[[^\]]*\])+$/, '');
}

/** The raw values of the parameters `names` in a request target's query, each up to the next '&'
 * (as nginx's $arg_NAME gives them). */
export function queryValues(target: string, names: ReadonlySet<string>): string[] {
  const q = target.indexOf('?');
  if (q < 0) return [];
  return target.slice(q + 1).split('&').flatMap((p) => {
    const eq = p.indexOf('=');
    return eq > 0 && names.has(paramName(p.slice(0, eq))) ? [p.slice(eq + 1)] : [];
  });
}

const SEPARATORS = new Set(['?', '&', ';', '#']);
const URL_END = new Set([' ', '\t', '\r', '\n', '<', '>']);
const TEXT_END = new Set([...URL_END, '"', "'", '(', ')', ',']);

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
    if (secret && !inUrl) k = secretInText(text, k);
    else while (k < text.length && !end.has(text[k]!) && !(secret ? text[k] === '&' || text[k] === '#' : SEPARATORS.has(text[k]!))) k++;
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

/** Where a redacted value in text ends: at white space, '&' or '#'; closing punctuation it ends
 * with that it did not open (a quote, a bracket, a comma or a full stop after a quoted or
 * bracketed URL) is left out. So a quote inside the value (`token=it'sSECRET`) does not end it. */
function secretInText(text: string, from: number): number {
  let k = from;
  while (k < text.length && !URL_END.has(text[k]!) && text[k] !== '&' && text[k] !== '#') k++;
  const OPENS: Record<string, string> = { '"': '"', "'": "'", ')': '(', '>': '<', ',': '', '.': '' };
  while (k > from) {
    const c = text[k - 1]!;
    const opener = OPENS[c];
    if (opener === undefined || (opener !== '' && text.slice(from, k - 1).includes(opener))) break;
    k--;
  }
  return k;
}

/** Whether a value holds a URL or a query, percent-encoded once or more, with a parameter to redact. */
function nestedSecret(value: string, names: ReadonlySet<string>, mark: string): boolean {
  let decoded = value;
  for (let depth = 0; depth < 4 && /%(25|3f|23|26|3b|3d)/i.test(decoded); depth++) {
    decoded = looseDecode(decoded);
    // (a query without its '?', `a%3D1%26token%3D…`, is read as one)
    const at = decoded.search(/[?#]/);
    const query = at >= 0 ? decoded.slice(at) : `?${decoded}`;
    if (query.includes('=') && redactParams(query, names, mark, true) !== query) return true;
  }
  return false;
}

/** A form body's text (application/x-www-form-urlencoded) with the values of the parameters `names`
 * replaced by `mark`: as a form is parsed, a parameter ends only at '&' (a '#', ';' or space in a
 * value, which curl's `-d` sends as written, is the value's own); another value that holds a URL
 * is read as one in a query is. */
export function redactForm(text: string, names: ReadonlySet<string>, mark: string): string {
  const parts = text.split('&');
  for (const [i, part] of parts.entries()) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const value = part.slice(eq + 1);
    const kept = names.has(paramName(part.slice(0, eq))) || nestedSecret(value, names, mark) ? mark : redactParams(value, names, mark, true);
    if (kept !== value) parts[i] = `${part.slice(0, eq + 1)}${kept}`;
  }
  return parts.join('&');
}
