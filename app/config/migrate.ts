// Saved config documents from older Switchyard versions → the current schema, in ONE place (pure).
// Every step takes a document of version N and returns one of version N+1; `migrateConfig` runs the
// steps in order. Each version has a fixture in test/fixtures/config/vN.json and its expected
// migration in vN.expected.json. Model: nginxconfig.io util/vue_backwards_compatibility.js.
//
// Versions:
//   v0 — the pre-release "routes" shape: `{ version: 0, routes: [{ listen, path, target, websocket? }] }`,
//        one flat list of routes, targets written as ws:// or http:// URLs. (Documented here as the
//        plausible earlier shape the framework is exercised with; no v0 file was ever released.)
//   v1 — app/config/schema.ts: `{ schemaVersion: 1, upstreams, servers }` (nginx's vocabulary).
import { SCHEMA_VERSION } from './schema.ts';

export type MigrateResult =
  | {
      ok: true;
      /** The document at SCHEMA_VERSION (not validated: validation is validate.ts's job). */
      doc: unknown;
      /** The version the input had; null when it carried no version marker (passed through as is). */
      from: number | null;
      to: number;
      /** One line per step that ran, e.g. "v0 → v1: 2 routes became 1 server". */
      steps: string[];
    }
  | { ok: false; code: 'not_an_object' | 'unknown_version' | 'newer_version' | 'migration_failed'; message: string };

type Step = (doc: Record<string, unknown>) => { doc: Record<string, unknown>; note: string };

class MigrationError extends Error {}

/** A JSON object (not null, not an array). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const V0_KEYS = ['version', 'routes'];
const V0_ROUTE_KEYS = ['listen', 'path', 'target', 'websocket', 'name'];

/** A v0 field's value when it has the type asked for, `fallback` when it is absent; anything else
 * would be dropped or replaced without a word, so it stops the migration, naming the field. */
function v0Field<T>(r: Record<string, unknown>, where: string, key: string, type: 'string' | 'boolean', fallback: T): string | boolean | T {
  const v = r[key];
  if (v === undefined) return fallback;
  if (typeof v !== type) throw new MigrationError(`${where}.${key} is ${JSON.stringify(v) ?? typeof v}, not a ${type}`);
  return v as string | boolean;
}

function unknownKey(r: Record<string, unknown>, known: string[]): string | undefined {
  return Object.keys(r).find((k) => !known.includes(k));
}

/** v0 → v1: routes grouped by listen address into servers; ws:// targets become websocket locations. */
function v0ToV1(doc: Record<string, unknown>): { doc: Record<string, unknown>; note: string } {
  const extra = unknownKey(doc, V0_KEYS);
  if (extra !== undefined) throw new MigrationError(`${JSON.stringify(extra)} is not a field of a version 0 file (${V0_KEYS.join(', ')})`);
  const routes = doc.routes ?? [];
  if (!Array.isArray(routes)) throw new MigrationError('"routes" is not a list');
  const servers = new Map<string, Array<Record<string, unknown>>>();
  routes.forEach((r: unknown, i) => {
    const where = `routes[${i}]`;
    if (!isObject(r)) throw new MigrationError(`${where} is not an object`);
    const bad = unknownKey(r, V0_ROUTE_KEYS);
    if (bad !== undefined) throw new MigrationError(`${where}.${bad} is not a field of a version 0 route (${V0_ROUTE_KEYS.join(', ')})`);
    const listen = v0Field(r, where, 'listen', 'string', '127.0.0.1:8080') as string;
    const path = v0Field(r, where, 'path', 'string', '/') as string;
    const target = v0Field(r, where, 'target', 'string', '') as string;
    const websocket = v0Field(r, where, 'websocket', 'boolean', false) as boolean;
    const name = v0Field(r, where, 'name', 'string', undefined) as string | undefined;
    const m = /^(ws|http):\/\/(.+)$/.exec(target);
    if (!m) throw new MigrationError(`routes[${i}].target "${target}" is not a ws:// or http:// URL`);
    const location: Record<string, unknown> = { path, proxyPass: `http://${m[2]}` };
    if (m[1] === 'ws' || websocket) location.websocket = true;
    if (name !== undefined) location.name = name;
    const list = servers.get(listen) ?? [];
    list.push(location);
    servers.set(listen, list);
  });
  const out = {
    schemaVersion: 1,
    upstreams: [],
    servers: [...servers].map(([address, locations]) => ({ listen: [{ address }], locations })),
  };
  return { doc: out, note: `v0 → v1: ${routes.length} route${routes.length === 1 ? '' : 's'} became ${servers.size} server${servers.size === 1 ? '' : 's'}` };
}

/** MIGRATIONS[n] turns version n into version n+1. */
export const MIGRATIONS: Readonly<Record<number, Step>> = {
  0: v0ToV1,
};

/** The version a document says it has: `schemaVersion` (v1+) or the legacy `version` key (v0). */
export function documentVersion(doc: Record<string, unknown>): number | null {
  if (typeof doc.schemaVersion === 'number') return doc.schemaVersion;
  if (typeof doc.version === 'number' && !('servers' in doc)) return doc.version;
  return null;
}

export function migrateConfig(input: unknown): MigrateResult {
  if (!isObject(input)) return { ok: false, code: 'not_an_object', message: 'a config document is a JSON object' };
  const from = documentVersion(input);
  // No marker at all: leave it to validation, which names the missing schemaVersion next to the field.
  if (from === null) return { ok: true, doc: input, from: null, to: SCHEMA_VERSION, steps: [] };
  // (version 0 is the legacy `version` key's: schemaVersion counts from 1)
  if (typeof input.schemaVersion === 'number' && input.schemaVersion < 1) {
    return { ok: false, code: 'unknown_version', message: `unknown schemaVersion ${input.schemaVersion}: it counts from 1 (a pre-release file says "version": 0 instead)` };
  }
  if (!Number.isInteger(from) || from < 0) return { ok: false, code: 'unknown_version', message: `unknown config version ${from}` };
  if (from > SCHEMA_VERSION) {
    return { ok: false, code: 'newer_version', message: `this file was written by a newer Switchyard (config version ${from}; this version reads up to ${SCHEMA_VERSION})` };
  }
  let doc = input;
  const steps: string[] = [];
  for (let v = from; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) return { ok: false, code: 'unknown_version', message: `no migration from config version ${v}` };
    try {
      const r = step(doc);
      doc = r.doc;
      steps.push(r.note);
    } catch (e) {
      if (!(e instanceof MigrationError)) throw e;
      return { ok: false, code: 'migration_failed', message: `cannot migrate from version ${v}: ${e.message}` };
    }
  }
  return { ok: true, doc, from, to: SCHEMA_VERSION, steps };
}
