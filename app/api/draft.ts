// Editing operations on a draft config that the UI offers, as pure functions over the document
// (ConfigInput-shaped, possibly invalid). Defaults come from the schema, not from components.
import { Config, Location, Upstream, UpstreamServer } from '../config/schema.ts';
import type { ConfigInput } from '../config/schema.ts';

type LocationInput = NonNullable<NonNullable<ConfigInput['servers']>[number]['locations']>[number];
type UpstreamInput = NonNullable<ConfigInput['upstreams']>[number];
type ServerInput = NonNullable<ConfigInput['servers']>[number];

export type { LocationInput, UpstreamInput, ServerInput };

/** The value of the `Host` proxy_set_header, by the UI's "Host mode" select. */
export const HOST_MODES = [
  { value: '$proxy_host', label: '$proxy_host (nginx default: the proxy_pass host)' },
  { value: '$host', label: '$host (client Host, without port)' },
  { value: '$http_host', label: '$http_host (client Host header as sent)' },
] as const;
export type HostMode = (typeof HOST_MODES)[number]['value'] | 'custom';

export function emptyConfig(): ConfigInput {
  return { schemaVersion: 1, upstreams: [], servers: [] };
}

/** A location with every field at nginx's default, so the editor shows real values. */
export function newLocation(path = '/', proxyPass = 'http://127.0.0.1:9000'): LocationInput {
  // (the defaults from the schema; the path and target as given, valid or not: the editor shows
  // what is wrong with them, as with any typed value)
  return { ...Location.parse({ path: '/', proxyPass: 'http://127.0.0.1:9000' }), path, proxyPass };
}

/** The names of a draft's upstreams that are text (a hand-written draft may have anything there). */
export function upstreamNames(draft: { upstreams?: unknown }): string[] {
  const ups = draft.upstreams;
  if (!Array.isArray(ups)) return [];
  return ups.flatMap((u) => (u && typeof u === 'object' && typeof (u as { name?: unknown }).name === 'string' ? [(u as { name: string }).name] : []));
}

export function newServer(listen = '127.0.0.1:8080'): ServerInput {
  return { listen: [{ address: listen, defaultServer: false }], serverNames: [], locations: [] };
}

export function newUpstreamServer(address = '127.0.0.1:9001') {
  return UpstreamServer.parse({ address });
}

export function newUpstream(name: string, address = '127.0.0.1:9001'): UpstreamInput {
  return Upstream.parse({ name, servers: [{ address }] });
}

/** Every default a location's fields have (those of one with nothing but a path and a target). */
const { path: _path, proxyPass: _target, ...LOCATION_DEFAULTS } = Location.parse({ path: '/', proxyPass: 'http://defaults' });

/** Location fields filled with schema defaults (for display of a hand-written, sparse document),
 * also while another of its fields is invalid. */
export function withLocationDefaults(loc: LocationInput): LocationInput {
  const out: Record<string, unknown> = { ...LOCATION_DEFAULTS };
  for (const [k, v] of Object.entries(loc)) if (v !== undefined) out[k] = v;
  return out as LocationInput;
}

/**
 * An optional field set from a text box: empty means not set, so the default applies again (as
 * before it was edited), rather than "" (not a time, not a number). `number`: the field is a number;
 * text that is not one ("3e", "1e3", "0x10") stays text, so validation names the field rather than
 * the default quietly taking its place.
 */
export function setOptional<T extends object>(obj: T, key: keyof T & string, raw: string, number = false): void {
  const fields = obj as Record<string, unknown>;
  const t = raw.trim();
  if (t === '') delete fields[key];
  // (a fraction only when the number prints back as typed: the box shows the model, so "1.0" made
  // 1 would turn the "1.0" being typed into "1", and the next key "5" into 15, a valid weight)
  else fields[key] = number && (/^-?\d+$/.test(t) || (/^-?\d+\.\d+$/.test(t) && String(Number(t)) === t)) ? Number(t) : raw;
}

function hostIndex(loc: LocationInput): number {
  return (loc.proxySetHeader ?? []).findIndex((h) => typeof h.name === 'string' && h.name.toLowerCase() === 'host');
}

/** Without a Host header nginx sends $proxy_host. */
export function hostMode(loc: LocationInput): HostMode {
  const i = hostIndex(loc);
  if (i < 0) return '$proxy_host';
  const v = loc.proxySetHeader![i]!.value;
  return HOST_MODES.some((m) => m.value === v) ? (v as HostMode) : 'custom';
}

/** Write the Host header for a mode; $proxy_host removes it (nginx's default is the same). */
export function setHostMode(loc: LocationInput, mode: Exclude<HostMode, 'custom'>): void {
  const headers = (loc.proxySetHeader ??= []);
  const i = hostIndex(loc);
  if (mode === '$proxy_host') {
    if (i >= 0) headers.splice(i, 1);
  } else if (i >= 0) headers[i]!.value = mode;
  else headers.unshift({ name: 'Host', value: mode });
}

export function isRegexModifier(modifier: string | undefined): boolean {
  return modifier === '~' || modifier === '~*';
}

/**
 * Move a regex location up or down among the regex locations: nginx tries regexes in the order
 * written, so only their relative order matters. Returns the new index, or null when it cannot move.
 */
export function moveRegexLocation(locations: LocationInput[], index: number, dir: -1 | 1): number | null {
  const here = locations[index];
  if (!here || !isRegexModifier(here.modifier)) return null;
  for (let j = index + dir; j >= 0 && j < locations.length; j += dir) {
    if (isRegexModifier(locations[j]!.modifier)) {
      locations.splice(index, 1);
      locations.splice(j, 0, here);
      return j;
    }
  }
  return null;
}

/** How nginx picks among a server's locations, for the note next to the list. */
export function locationOrderKind(modifier: string | undefined): 'exact' | 'prefix' | 'prefix-stop' | 'regex' {
  if (modifier === '=') return 'exact';
  if (modifier === '^~') return 'prefix-stop';
  if (isRegexModifier(modifier)) return 'regex';
  return 'prefix';
}

/** An upstream name not used yet: "backend", "backend_2", ... */
export function freshUpstreamName(config: ConfigInput, base = 'backend'): string {
  const used = new Set((config.upstreams ?? []).map((u) => u.name));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Whether two documents mean the same config (defaults filled in), e.g. the draft vs what runs. */
export function sameConfig(a: unknown, b: unknown): boolean {
  const pa = Config.safeParse(a);
  const pb = Config.safeParse(b);
  if (pa.success && pb.success) return JSON.stringify(pa.data) === JSON.stringify(pb.data);
  return JSON.stringify(a) === JSON.stringify(b);
}
