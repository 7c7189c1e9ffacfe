// Text that UTF-8 cannot hold: JSON (a config file, an API request) can carry a lone UTF-16
// surrogate ("\ud800"), which has no UTF-8 form; encoding it would silently write U+FFFD instead.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` has no UTF-8 form (its first lone surrogate), or null when it has one. */
export function unencodable(text: string): string | null {
  const at = text.search(LONE_SURROGATE);
  return at < 0 ? null : `character ${at + 1} is a lone UTF-16 surrogate (\\u${text.charCodeAt(at).toString(16)}), which has no UTF-8 form`;
}

/**
 * `text` cut to at most `max` UTF-16 units followed by '…' when it is longer, never between the two
 * halves of a pair (an emoji at the cut goes whole): a lone half shows as U+FFFD, and JSON carries it
 * as an escape no UTF-8 reader takes.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return `${text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max)}…`;
}
