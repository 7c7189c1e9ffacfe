// A best-effort view of a draft that failed the schema: every field that parses on its own is
// kept (with its defaults), everything else is left out, and array indexes stay those of the
// draft so that issues found on this view point at the right fields. validate.ts runs nginx's
// cross-field rules on it, so a schema error in one place does not hide them everywhere else.
import type { z } from 'zod';
import { Config, Listen, Location, SetHeader, Server, ServerName, Upstream, UpstreamServer } from './schema.ts';

export type LooseUpstreamServer = Partial<UpstreamServer>;
export type LooseUpstream = Partial<Omit<Upstream, 'servers'>> & { servers?: LooseUpstreamServer[] };
export type LooseSetHeader = Partial<SetHeader>;
export type LooseLocation = Partial<Omit<Location, 'proxySetHeader'>> & { proxySetHeader?: LooseSetHeader[] };
export type LooseListen = Partial<Listen>;
export interface LooseServer {
  listen?: LooseListen[];
  /** undefined where that entry is malformed */
  serverNames?: (string | undefined)[];
  locations?: LooseLocation[];
}
export interface LooseConfig {
  upstreams: LooseUpstream[];
  servers: LooseServer[];
  /**
   * Every upstream entry has a string name, so `upstreamNames` lists every name the draft defines
   * (valid or not): a name missing from it really is undefined.
   */
  namesComplete: boolean;
  /** Names (lowercased) of every upstream entry with a string name, including malformed ones. */
  upstreamNames: Set<string>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The fields of `value` that parse on their own against their schema in `schema`. */
function pick<S extends z.ZodObject>(schema: S, value: unknown): Partial<z.infer<S>> {
  const out: Record<string, unknown> = {};
  if (!isRecord(value)) return out as Partial<z.infer<S>>;
  for (const [key, field] of Object.entries(schema.shape)) {
    const r = (field as z.ZodType).safeParse(value[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<z.infer<S>>;
}

/** An array field: parsed whole when it can be, else element by element (indexes kept). */
function items<T>(whole: z.ZodType, value: unknown, each: (v: unknown) => T): T[] | undefined {
  const r = whole.safeParse(value);
  if (r.success) return r.data as T[];
  return Array.isArray(value) ? value.map(each) : undefined;
}

export function looseConfig(input: unknown): LooseConfig {
  const doc = isRecord(input) ? input : {};
  const rawUpstreams = doc['upstreams'] === undefined ? [] : doc['upstreams'];
  const upstreamNames = new Set<string>();
  let namesComplete = Array.isArray(rawUpstreams);
  if (Array.isArray(rawUpstreams)) {
    for (const u of rawUpstreams) {
      const name = isRecord(u) ? u['name'] : undefined;
      if (typeof name === 'string') upstreamNames.add(name.toLowerCase());
      else namesComplete = false;
    }
  }
  const upstreams = items<LooseUpstream>(Config.shape.upstreams, rawUpstreams, (u) => ({
    ...pick(Upstream, u),
    servers: isRecord(u) ? items(Upstream.shape.servers, u['servers'], (s) => pick(UpstreamServer, s)) : undefined,
  })) ?? [];
  const servers = items<LooseServer>(Config.shape.servers, doc['servers'], looseServer) ?? [];
  return { upstreams, servers, namesComplete, upstreamNames };
}

function looseServer(value: unknown): LooseServer {
  if (!isRecord(value)) return {};
  return {
    listen: items(Server.shape.listen, value['listen'], (l) => pick(Listen, l)),
    serverNames: items(Server.shape.serverNames, value['serverNames'], (n) => {
      const r = ServerName.safeParse(n);
      return r.success ? r.data : undefined;
    }),
    locations: items(Server.shape.locations, value['locations'], (l) => ({
      ...pick(Location, l),
      proxySetHeader: isRecord(l) ? items(Location.shape.proxySetHeader, l['proxySetHeader'], (h) => pick(SetHeader, h)) : undefined,
    })),
  };
}
