// Text from peers and from files a user imports goes to a terminal (the access log, warnings):
// control characters there could forge lines ("\n") or drive the terminal (ESC, BEL). They are
// written as nginx's access log writes them, `\xHH` (U+2028 and U+2029, which some terminals and
// viewers break lines at, as `\u2028`; the bidirectional controls, which reorder what a terminal
// shows so that text reads other than it is, as `\u202e` and so on); in a quoted field also '"'
// and '\', as nginx escapes them.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const CONTROL_OR_QUOTE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"\\]/g;

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
