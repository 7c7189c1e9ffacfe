// Text that UTF-8 cannot hold: JSON (a config file, an API request) can carry a lone UTF-16
// surrogate ("\ud800"), which has no UTF-8 form; encoding it would silently write U+FFFD instead.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` has no UTF-8 form (its first lone surrogate), or null when it has one. */
export function unencodable(text: string): string | null {
  const at = text.search(LONE_SURROGATE);
  return at < 0 ? null : `character ${at + 1} is a lone UTF-16 surrogate (\\u${text.charCodeAt(at).toString(16)}), which has no UTF-8 form`;
}
