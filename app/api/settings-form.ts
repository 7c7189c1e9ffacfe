// The capture settings panel's form as typed (names as comma-separated text, sizes in KiB and MiB)
// read into `setSettings` params, or what is wrong, field by field, so that the panel says each
// problem beside its field (the API's own refusal would name "redactHeaders[1]", no field the user sees).
import { SETTINGS_LIMITS, type Params } from './contract.ts';
import { printable } from '../text/printable.ts';
import { REDACT_HEADER_NAME, REDACT_NAME_MAX_LENGTH, REDACT_NAMES_MAX, REDACT_QUERY_NAME } from './params.ts';

export interface SettingsForm {
  redact: boolean;
  headers: string;
  query: string;
  /** (an `<input type="number">` bound with v-model.number: a number, or '' when it holds none) */
  perMessageKiB: number | string;
  totalMiB: number | string;
  framesPerSession: number | string;
}
export type SettingsField = 'headers' | 'query' | 'perMessage' | 'total' | 'frames';
export type SettingsRead =
  | { ok: true; params: Required<Params<'setSettings'>> }
  | { ok: false; issues: Partial<Record<SettingsField, string>> };

const KiB = 1024;
const MiB = 1024 * 1024;

/** The names in a field's text: separated by commas or white space. */
export const namesIn = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** The names, or why not (the first name the API would refuse, quoted). */
function names(text: string, schema: typeof REDACT_HEADER_NAME, what: string): string[] | string {
  const list = namesIn(text);
  if (list.length > REDACT_NAMES_MAX) return `at most ${REDACT_NAMES_MAX} names (${list.length} typed)`;
  for (const name of list) {
    if (schema.safeParse(name).success) continue;
    // (its control characters, a NUL, U+202E, written as \x00, \u202e: named, not invisible)
    if (name.length > REDACT_NAME_MAX_LENGTH) return `"${printable(name.slice(0, 40), true)}…" is longer than ${REDACT_NAME_MAX_LENGTH} characters`;
    return `"${printable(name, true)}" is not ${what}`;
  }
  return list;
}

/** A whole number of bytes within the setting's range, or why not (in the field's unit); `count`:
 * a number of things (frames), which has no fraction to round away. */
function size(value: number | string, unit: number, [least, most]: readonly [number, number], count = false): number | string {
  const typed = typeof value === 'number' || value.trim() !== '' ? Number(value) : NaN;
  if (count && Number.isFinite(typed) && !Number.isInteger(typed)) return `a whole number, from ${least} to ${most}`;
  const n = Math.round(typed * unit);
  return Number.isFinite(n) && n >= least && n <= most ? n : `from ${least / unit} to ${most / unit}`;
}

export function readSettingsForm(f: SettingsForm): SettingsRead {
  const read = {
    headers: names(f.headers, REDACT_HEADER_NAME, 'a header name'),
    query: names(f.query, REDACT_QUERY_NAME, 'a query parameter name (no white space, "&", "=", "#" or "?")'),
    perMessage: size(f.perMessageKiB, KiB, SETTINGS_LIMITS.payloadPerMessage),
    total: size(f.totalMiB, MiB, SETTINGS_LIMITS.payloadTotal),
    frames: size(f.framesPerSession, 1, SETTINGS_LIMITS.framesPerSession, true),
  };
  const issues: Partial<Record<SettingsField, string>> = {};
  for (const [field, v] of Object.entries(read) as Array<[SettingsField, unknown]>) if (typeof v === 'string') issues[field] = v;
  if (Object.keys(issues).length) return { ok: false, issues };
  return {
    ok: true,
    params: {
      redact: f.redact, redactHeaders: read.headers as string[], redactQuery: read.query as string[],
      payloadPerMessage: read.perMessage as number, payloadTotal: read.total as number, framesPerSession: read.frames as number,
    },
  };
}
