// HAR 1.2 export of the traffic log. WebSocket sessions are written the way Chrome DevTools writes
// them (`_resourceType: 'websocket'`, `_webSocketMessages` with type 'send'/'receive', time in
// seconds, opcode and data: text as is, binary as base64), so the file opens in Chrome, Firefox
// and HAR viewers; HTTP exchanges are ordinary entries, with the bodies' kept starts (har-bodies.ts).
// What a message's data cannot carry goes in its `_switchyard`, so the import gets the bytes back:
// a text message that is not UTF-8 has `utf8ErrorOffset` (first bad byte) and `bytesBase64` (its
// exact bytes; data is them decoded with U+FFFD); a truncated text whose cut fell inside a character
// has its text up to that character and `keptBytes` (the bytes kept, as framePayload counts them);
// a ping or pong that is not UTF-8 has `dataBase64` (data is base64 of its bytes, as a binary message's).
// Display texts (a route's explanation, a cause, a note, a violation) are written whole; the import
// cuts what is longer than it keeps (har-import.ts). Headers arrive already redacted (main/service/redact.ts).
// The text is written in steps (har-text.ts), within what the import reads: past that, the oldest
// payloads larger than their preview are left out (`_switchyard.omitted`, said in `log.comment`).
import { STATUS_CODES } from 'node:http';
import type { ExchangeBody, ExchangeView, FrameView, SessionView } from '../../app/api/contract.ts';
import { content, postData } from './har-bodies.ts';
import { headerValue } from './exchange-body.ts';
import type { RouteInfo } from '../../app/engine/records.ts';
import { isBytesMessage } from '../../app/traffic/payload-format.ts';
import { findUtf8Error } from '../inspect/validation.ts';
import { completePrefix } from '../inspect/payload.ts';
export { exportHar, exportHarInSteps, HAR_MAX_BYTES } from './har-text.ts';

export interface HarSession {
  session: SessionView;
  frames: FrameView[];
  /** The kept payload of a message row, when any (main/service/payloads.ts). */
  payload(row: FrameView): Buffer | undefined;
  /** Whether a row is still in the log: a handle on a stored row may leave it while the export
   * runs in steps (it is then left out, as if exported after it went). All are when absent. */
  kept?(row: FrameView): boolean;
}

export const HAR_OPCODES: Record<string, number> = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 };

const headerList = (raw: string[]) => {
  const out: Array<{ name: string; value: string }> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i]!, value: raw[i + 1]! });
  return out;
};

/** The route's label and its location as written ("chat", "/chat/"), so an import names it as the
 * log did. */
function routeNames(r: RouteInfo): { routeName?: string; routeWhere?: string } {
  return { ...(r.name ? { routeName: r.name } : {}), ...(r.where ? { routeWhere: r.where } : {}) };
}

function absoluteUrl(scheme: 'http' | 'ws', requestHeaders: string[], url: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  return `${scheme}://${headerValue(requestHeaders, 'host') ?? 'localhost'}${url.startsWith('/') ? url : `/${url}`}`;
}

function queryString(url: string): Array<{ name: string; value: string }> {
  try {
    return [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    return [];
  }
}

function request(method: string, url: string, headers: string[], bodySize: number, httpVersion = '1.1') {
  return { method, url, httpVersion: `HTTP/${httpVersion}`, cookies: [], headers: headerList(headers), queryString: queryString(url), headersSize: -1, bodySize };
}

function response(status: number, statusText: string, headers: string[], size: number) {
  return {
    status, statusText, httpVersion: 'HTTP/1.1', cookies: [], headers: headerList(headers),
    content: { size, mimeType: headerValue(headers, 'content-type') ?? 'x-unknown' }, redirectURL: headerValue(headers, 'location') ?? '', headersSize: -1, bodySize: size,
  };
}

/** What a message's `data` cannot say about its bytes (see exportHar). */
interface Utf8Marks {
  utf8ErrorOffset?: number;
  bytesBase64?: string;
  dataBase64?: true;
  keptBytes?: number;
}

/** A message of the session (`omitted`: its payload left out of the file, see har-text.ts). */
export function message(row: FrameView, payload: Buffer | undefined, omitted = false) {
  const opcode = HAR_OPCODES[row.opcode]!;
  const state = omitted ? 'evicted' : row.payload;
  let data: string;
  const marks: Utf8Marks = {};
  if (row.utf8ErrorOffset !== undefined) marks.utf8ErrorOffset = row.utf8ErrorOffset;
  // (an evicted binary payload: the first bytes its preview kept, marked incomplete below; a text
  // message in an unknown extension's encoding is bytes too, as base64, marked by _switchyard.encodedBy;
  // a ping or pong that is not UTF-8 has its preview's bytes, all of them, marked by dataBase64)
  if (isBytesMessage(row)) {
    data = (payload ?? Buffer.from(row.preview.replace(/[^0-9a-fA-F]/g, ''), 'hex')).toString('base64');
    if (row.previewHex) marks.dataBase64 = true;
  } else if (row.opcode === 'text') {
    // (a cut payload may end inside a character: that is the cut, not invalid text)
    const truncated = state === 'truncated';
    const bad = payload ? findUtf8Error(payload, truncated) : -1;
    // (a truncated text as far as its last whole character, as framePayload gives it: the character
    // the cap cut would be a U+FFFD its sender never sent; keptBytes says how many bytes were kept)
    const end = payload && bad === -1 && truncated ? completePrefix(payload) : payload?.length ?? 0;
    data = payload ? payload.subarray(0, end).toString('utf8') : row.preview;
    if (payload && end < payload.length) marks.keptBytes = payload.length;
    // (Chrome's data is a string: bytes that do not decode become U+FFFD there, so they go apart too)
    if (bad !== -1) {
      marks.bytesBase64 = payload!.toString('base64');
      marks.utf8ErrorOffset = bad;
    }
  } else data = row.preview;
  return {
    type: row.from === 'client' ? 'send' : 'receive', time: row.time / 1000, opcode, data,
    _switchyard: { seq: row.seq, ...marks, length: row.length, ...(row.wireLength !== undefined ? { wireLength: row.wireLength } : {}), ...(row.decodeError !== undefined ? { decodeError: row.decodeError } : {}), ...(row.encodedBy !== undefined ? { encodedBy: row.encodedBy } : {}), complete: row.opcode === 'text' || row.opcode === 'binary' ? state === 'kept' : true, injected: row.injected === true, ...(row.notForwarded ? { notForwarded: true } : {}), ...(row.fin ? {} : { fin: false }), ...(row.closeCode !== null ? { closeCode: row.closeCode } : {}), ...(state ? { payload: state } : {}), ...(omitted ? { omitted: true } : {}) },
  };
}

/** A violation row as Chrome writes an error it saw on the connection (type 'error', opcode -1),
 * with the side whose bytes it was found in. */
export function violation(row: FrameView) {
  return { type: 'error', time: row.time / 1000, opcode: -1, data: row.preview, _switchyard: { seq: row.seq, from: row.from, ...(row.closeCode !== null ? { closeCode: row.closeCode } : {}) } };
}

/** A session's entry; its messages are written apart (har-text.ts), in place of its empty list. */
export function sessionEntry(s: HarSession) {
  const v = s.session;
  const url = absoluteUrl('ws', v.requestHeaders, v.url);
  const end = v.closedAt ?? Date.now();
  // (0: no answer reached the client, or none yet, as browsers record it)
  const status = v.status ?? 0;
  const time = Math.max(0, end - v.openedAt);
  return {
    startedDateTime: new Date(v.openedAt).toISOString(), time,
    request: request('GET', url, v.requestHeaders, 0),
    response: response(status, STATUS_CODES[status] ?? '', v.responseHeaders, 0),
    // HAR's time is the sum of the timings; a session's is its whole life
    cache: {}, timings: { send: 0, wait: time, receive: 0 }, ...(v.upstream ? { serverIPAddress: v.upstream.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') } : {}),
    _resourceType: 'websocket',
    _webSocketMessages: [] as unknown[],
    _switchyard: { sessionId: v.id, upstream: v.upstream, upstreamPath: v.upstreamPath, tries: v.tries, clientAddress: v.clientAddress, route: v.route.explain, ...routeNames(v.route), closedBy: v.closedBy, closeReason: v.closeReason, closeFrame: v.closeFrame, ...(v.state === 'open' ? { openWhenExported: true } : {}), ...(v.violation ? { violation: v.violation } : {}), bytesFromClient: v.bytesFromClient, bytesFromUpstream: v.bytesFromUpstream, ...frameCounts(v) },
  };
}

/** The session's exact frame counters: its messages in the file may be only the rows still kept. */
function frameCounts(v: SessionView) {
  return { framesFromClient: v.framesFromClient, framesFromUpstream: v.framesFromUpstream, framesInjected: v.framesInjected ?? 0 };
}

export function exchangeEntry(x: ExchangeView, bodies?: { request?: ExchangeBody | undefined; response?: ExchangeBody | undefined }) {
  const total = x.timings.totalMs ?? 0;
  const req = request(x.method, absoluteUrl('http', x.requestHeaders, x.url), x.requestHeaders, x.requestBytes, x.httpVersion);
  const res = response(x.status, STATUS_CODES[x.status] ?? '', x.responseHeaders, x.responseBytes);
  const firstByte = Math.min(total, x.timings.firstByteMs ?? total);
  const connect = Math.min(firstByte, x.timings.connectMs ?? 0);
  return {
    startedDateTime: new Date(x.startedAt).toISOString(), time: total,
    request: bodies?.request ? { ...req, postData: postData(bodies.request) } : req,
    response: bodies?.response ? { ...res, content: content(res.content, bodies.response) } : res,
    // (the upstream connected, then the first byte came, then the last: they add up to time)
    cache: {}, timings: { ...(x.timings.connectMs !== undefined ? { connect } : {}), send: 0, wait: firstByte - connect, receive: total - firstByte },
    // (HAR requires a wait: one with no first byte behind it is the whole time, and said so)
    _switchyard: { exchangeId: x.id, upstream: x.upstream, upstreamPath: x.upstreamPath, clientAddress: x.clientAddress, route: x.route?.explain, ...(x.route ? routeNames(x.route) : {}), cause: x.cause, ...(x.note ? { note: x.note } : {}), tries: x.tries, ...(x.timings.firstByteMs === undefined ? { noFirstByte: true } : {}) },
  };
}

/** Whether a row goes in the file: a message or a violation, still in the log. */
export const exported = (s: HarSession, f: FrameView) => (s.kept?.(f) ?? true) && (f.opcode in HAR_OPCODES || f.opcode === 'violation');
