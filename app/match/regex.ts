// nginx location and server_name regexes are PCRE; the engine runs them as JavaScript RegExps.
// Only the common subset where both mean the same is accepted; anything else is refused at
// validation time with a message that names the construct.

export type RegexResult = { ok: true; regex: RegExp } | { ok: false; message: string };

export function compileNginxRegex(source: string, caseInsensitive: boolean): RegexResult {
  if (source.length === 0) return { ok: false, message: 'empty regular expression' };
  try {
    return { ok: true, regex: new RegExp(source, caseInsensitive ? 'i' : '') };
  } catch (e) {
    return { ok: false, message: `invalid regular expression: ${(e as Error).message}` };
  }
}
