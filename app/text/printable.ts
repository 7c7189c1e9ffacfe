// Text from peers and from files a user imports goes to a terminal (the access log, warnings):
// control characters there could forge lines ("\n") or drive the terminal (ESC, BEL). They are
// written as nginx's access log writes them, `\xHH` (U+2028 and U+2029, which some terminals and
// viewers break lines at, as `\u2028`; the bidirectional controls, which reorder what a terminal
// shows so that text reads other than it is, as `\u202e` and so on); in a quoted field also '"'
// and '\', as nginx escapes them.
// (character class ranges: C1 controls, the line and paragraph separators, the bidirectional controls)
const C1 = '\\x80-\\x9f';
const SEPARATORS = '\\u2028\\u2029';
const BIDI = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[\\x00-\\x1f\\x7f${C1}${SEPARATORS}${BIDI}]`, 'g');
const CONTROL_OR_QUOTE = new RegExp(`[\\x00-\\x1f\\x7f${C1}${SEPARATORS}${BIDI}"\\\\]`, 'g');

const escape = (c: string): string => {
  const n = c.charCodeAt(0);
  return n > 0xff ? `\\u${n.toString(16).padStart(4, '0')}` : `\\x${n.toString(16).toUpperCase().padStart(2, '0')}`;
};

/** `s` with its control characters escaped (`quoted`: and '"' and '\', for a field in quotes). */
export function printable(s: string, quoted = false): string {
  const re = quoted ? CONTROL_OR_QUOTE : CONTROL;
  re.lastIndex = 0;
  return re.test(s) ? s.replace(re, escape) : s;
}

/** The characters beyond ASCII's controls that make text read other than it is: C1 controls and
 * U+2028/U+2029 (which editors may break a line at), and the bidirectional controls. */
const HIDDEN = new RegExp(`[${C1}${SEPARATORS}]|([${BIDI}])`);

/** What is wrong with `text` as text a person reads in nginx.conf, naming the first such
 * character by its place and code point; null when nothing is. */
export function hiddenControl(text: string): string | null {
  const m = HIDDEN.exec(text);
  if (!m) return null;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `character ${m.index + 1} is ${code}, ${m[1] ? 'a bidirectional control' : 'which editors may break a line at'}: nginx.conf would read other than it is`;
}
