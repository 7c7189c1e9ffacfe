// From an accepted request to what to do with it, as nginx decides: server block by listen socket
// and Host, location, then the exact upstream request (URI and header list). Pure decisions over
// the compiled runtime; the HTTP and WebSocket passes carry them out.
import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../../app/proxy/context.ts';
import { normalizeRequestTarget } from '../../app/match/normalize.ts';
import { selectServer } from '../../app/match/server.ts';
import { upstreamUri, redirectLocation } from '../../app/proxy/uri.ts';
import { upstreamHeaders, effectiveHttpVersion } from '../../app/proxy/headers.ts';
import { evaluate } from '../../app/proxy/variables.ts';
import { candidatesFor, type CompiledLocation, type CompiledServer, type Runtime } from './runtime.ts';

export type Plan =
  | { kind: 'error'; status: number; reason: string; server?: CompiledServer }
  | { kind: 'redirect'; status: 301; location: string; explain: string; server: CompiledServer }
  | {
      kind: 'proxy';
      server: CompiledServer;
      loc: CompiledLocation;
      explain: string;
      ctx: RequestContext;
      path: string;
      headers: Array<[string, string]>;
      httpVersion: '1.0' | '1.1';
      hashKey: string | undefined;
    };

function headerPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

export function planRequest(rt: Runtime, req: IncomingMessage): Plan {
  const socket = req.socket;
  const candidates = candidatesFor(rt, socket.localAddress ?? '', socket.localPort ?? 0);
  if (candidates.length === 0) return { kind: 'error', status: 500, reason: 'no server block for this listen socket' };

  const target = normalizeRequestTarget(req.url ?? '');
  if (!target.ok) return { kind: 'error', status: 400, reason: target.reason };

  const headers = headerPairs(req.rawHeaders);
  const hostHeaders = headers.filter(([n]) => n.toLowerCase() === 'host');
  if (hostHeaders.length > 1) return { kind: 'error', status: 400, reason: 'client sent duplicate host header' };
  const hostHeader = hostHeaders[0]?.[1] ?? null;
  const httpVersion = req.httpVersion === '1.0' ? '1.0' : '1.1';
  // nginx: an HTTP/1.1 request without Host is 400 even when the request line names a host
  if (httpVersion === '1.1' && hostHeader === null) {
    return { kind: 'error', status: 400, reason: 'client sent HTTP/1.1 request without "Host" header' };
  }

  const chosen = selectServer(
    candidates.map((c) => ({ serverNames: c.server.server.serverNames, defaultServer: c.defaultServer })),
    target.absoluteHost ?? hostHeader,
    hostHeader,
  );
  if (!chosen.ok) return { kind: 'error', status: 400, reason: chosen.reason };
  const server = candidates[chosen.index]!.server;

  const decision = server.matcher.match(target.uri);
  if (decision.type === 'none') return { kind: 'error', status: 404, reason: decision.explain, server };

  const hostForRedirect = chosen.host;
  if (decision.type === 'redirect') {
    return {
      kind: 'redirect', status: 301, server, explain: decision.explain,
      location: redirectLocation({ host: hostForRedirect, port: socket.localPort ?? 80, location: decision.location, args: target.hasArgs ? target.args : null, serverAddr: stripMapped(socket.localAddress ?? '') }),
    };
  }

  const loc = server.locations[decision.index]!;
  const ctx: RequestContext = {
    method: req.method ?? 'GET',
    requestUri: req.url ?? '',
    uri: target.uri,
    args: target.args,
    hasArgs: target.hasArgs,
    headers,
    httpVersion,
    remoteAddr: stripMapped(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    serverAddr: stripMapped(socket.localAddress ?? ''),
    serverPort: socket.localPort ?? 0,
    serverName: server.server.serverNames[0] ?? '',
    scheme: 'http',
    proxyHost: loc.target.proxyHost,
    proxyPort: loc.target.port ?? 80,
  };
  const path = upstreamUri({
    location: loc.location,
    proxyPassUri: loc.target.uri,
    uri: target.uri,
    args: target.args,
    hasArgs: target.hasArgs,
    requestUri: ctx.requestUri,
    quoted: target.quoted,
  });
  const hashKey = loc.pool.hashKey === null ? undefined : evaluate(loc.pool.hashKey, ctx);
  return {
    kind: 'proxy', server, loc, explain: decision.explain, ctx, path,
    headers: upstreamHeaders(loc.headers, ctx),
    httpVersion: effectiveHttpVersion(loc.location),
    hashKey,
  };
}

function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
