// The route tester's input as a client would send it: the URL or path the user typed becomes a
// request target, a Host header and a listen socket to connect to, the way curl or a browser turns
// "http://host:port/path" into "GET /path" with "Host: host:port" on a connection to that port.
// Problems name the field, so the UI can put them next to it.
import { utf8Bytes } from '../match/bytes.ts';
import { canonicalIp } from '../config/ip.ts';
import { bindKey, wildcardOf } from './routing.ts';

export type RouteTestField = 'url' | 'host' | 'listen' | 'clientAddress' | 'headers';

export type InputProblem = { ok: false; field: RouteTestField; message: string };

export interface ParsedUrl {
  ok: true;
  /** The request target as sent (a byte string: UTF-8 bytes one per char). */
  target: string;
  /** "host[:port]" of a full URL, as a client puts it in Host; null for a bare path. */
  authority: string | null;
  /** The URL's host without brackets or port, lowercase; null for a bare path. */
  host: string | null;
  /** The URL's port (80 when it has none); null for a bare path. */
  port: number | null;
  /** The URL said ws:// (a WebSocket handshake). */
  websocket: boolean;
}

const bad = (field: RouteTestField, message: string): InputProblem => ({ ok: false, field, message });

/** "/path?q", or "http://host[:port]/path?q" (ws:// too). The fragment of a URL is not sent, as by browsers. */
export function parseTestUrl(input: string): ParsedUrl | InputProblem {
  const text = input.trim();
  if (text === '') return bad('url', 'type a path like /api/users?id=1, or a URL like http://127.0.0.1:8080/ws');
  if (/\s/.test(text)) return bad('url', 'a request target cannot contain spaces or line breaks: write them as %20');
  if (/[\u0000-\u001f\u007f]/.test(text)) return bad('url', 'a request target cannot contain control characters');
  if (text.startsWith('/')) return { ok: true, target: utf8Bytes(text), authority: null, host: null, port: null, websocket: false };
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^#]*)/.exec(text);
  if (!m) return bad('url', 'start with "/" (a path) or "http://" (a URL)');
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'https' || scheme === 'wss') return bad('url', `Switchyard listens on plain HTTP: use ${scheme === 'wss' ? 'ws' : 'http'}:// (TLS is not modelled)`);
  if (scheme !== 'http' && scheme !== 'ws') return bad('url', `"${scheme}://" is not HTTP: use http:// or ws://`);
  const authority = m[2]!;
  const a = /^(\[[0-9A-Fa-f:.]+\]|[^:@[\]]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!a) return bad('url', authority === '' ? 'the URL has no host' : `"${authority}" is not a host[:port]`);
  const port = a[2] === undefined ? 80 : Number(a[2]);
  if (port < 1 || port > 65535) return bad('url', 'the port must be 1-65535');
  const rest = m[3]!;
  const target = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return {
    ok: true, target: utf8Bytes(target), authority: utf8Bytes(authority), host: a[1]!.replace(/^\[|\]$/g, '').toLowerCase(), port,
    websocket: scheme === 'ws',
  };
}

/** An IPv4 or IPv6 address (no brackets), as the client's address. */
export function isIpAddress(text: string): boolean {
  return canonicalIp(text) !== null;
}

/** "Name: value" lines (blank lines ignored) → header pairs; a bad line is named by number. */
export function parseHeaderLines(text: string): { ok: true; headers: Array<[string, string]> } | InputProblem {
  const headers: Array<[string, string]> = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (colon < 0 || name === '') return bad('headers', `line ${i + 1}: write "Name: value"`);
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) return bad('headers', `line ${i + 1}: "${name}" is not a header name (an HTTP token: letters, digits and ! # $ % & ' * + - . ^ _ \` | ~)`);
    const value = line.slice(colon + 1).trim();
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return bad('headers', `line ${i + 1}: control characters cannot be sent in a header`);
    headers.push([name, utf8Bytes(value)]);
  }
  return { ok: true, headers };
}

export interface ChosenSocket {
  ok: true;
  /** The bind key connected to ("127.0.0.1:8080", "0.0.0.0:8080"). */
  key: string;
  /** The connection's local address (nginx $server_addr): a wildcard socket is reached on a real one. */
  localAddress: string;
  port: number;
  explain: string;
}

function splitKey(key: string): { host: string; port: number } {
  const i = key.lastIndexOf(':');
  return { host: key.slice(0, i), port: Number(key.slice(i + 1)) };
}

/**
 * The socket a client connects to: the one picked, else the one the URL's host and port reach,
 * else (a bare path) the draft's first. `sockets` are the draft's bind keys in config order.
 */
export function chooseSocket(sockets: readonly string[], picked: string | undefined, url: ParsedUrl): ChosenSocket | InputProblem {
  if (sockets.length === 0) return bad('listen', 'the draft has no server listening anywhere: add a server on the left');
  // (an IPv6 address in its one text, as bind keys have it; a client reads an IPv4 one its own way)
  const ipOf = (host: string | null) => {
    if (host === 'localhost') return '127.0.0.1';
    const ip = host === null ? null : canonicalIp(host);
    return ip !== null && !ip.includes(':') ? host : ip;
  };
  const urlIp = ipOf(url.host);
  // a wildcard socket is reached on an address of its family: the URL's, else loopback
  const local = (key: string) => {
    const { host } = splitKey(key);
    if (host !== wildcardOf(host)) return host;
    return urlIp !== null && wildcardOf(urlIp) === host ? urlIp : host === '::' ? '::1' : '127.0.0.1';
  };
  if (picked) {
    if (!sockets.includes(picked)) return bad('listen', `nothing in the draft listens on ${picked}`);
    return { ok: true, key: picked, localAddress: local(picked), port: splitKey(picked).port, explain: 'the listen socket you picked' };
  }
  if (url.port === null) {
    const key = sockets[0]!;
    return { ok: true, key, localAddress: local(key), port: splitKey(key).port, explain: sockets.length > 1 ? "the draft's first listen socket (a path has no port: pick another socket or type a full URL)" : "the draft's listen socket" };
  }
  const port = url.port;
  const onPort = sockets.filter((k) => splitKey(k).port === port);
  if (onPort.length === 0) return bad('url', `nothing in the draft listens on port ${port} (it listens on ${sockets.join(', ')})`);
  const wildcard = bindKey('0.0.0.0', port);
  if (urlIp !== null) {
    const exact = bindKey(urlIp, port);
    if (onPort.includes(exact)) return { ok: true, key: exact, localAddress: urlIp, port, explain: `the socket for ${url.authority}` };
    // (an IPv4 wildcard takes no IPv6 connection, nor "[::]" an IPv4 one: nginx's are ipv6only)
    const familyWildcard = bindKey(wildcardOf(urlIp), port);
    const every = urlIp.includes(':') ? 'every IPv6 address' : 'every address';
    if (onPort.includes(familyWildcard)) return { ok: true, key: familyWildcard, localAddress: urlIp, port, explain: `${port} on ${every} accepts ${urlIp.includes(':') ? `[${urlIp}]` : urlIp}:${port}` };
    return bad('url', `connection refused: nothing listens on ${urlIp}:${port} (the draft listens on ${onPort.join(', ')})`);
  }
  const key = onPort.includes(bindKey('127.0.0.1', port)) ? bindKey('127.0.0.1', port) : onPort.includes(wildcard) ? wildcard : onPort[0]!;
  return { ok: true, key, localAddress: local(key), port, explain: `assuming ${url.host} reaches ${key} (pick the socket to change it)` };
}

/** A byte string for display: UTF-8 decoded when valid, else non-ASCII bytes as %XX. */
export function displayBytes(bytes: string): string {
  const escaped = bytes.replace(/[%\u0080-\u00ff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (escaped === bytes) return bytes;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return bytes.replace(/[\u0080-\u00ff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  }
}
