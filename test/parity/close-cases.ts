// The cases of close-explore.ts: how a proxy ends a client connection after an answer it refuses
// with, an error, an early answer, a close the client asked for, or a client that half-closes, and
// what it does with the bytes the client still sends. `SEG` in the bytes names the case's upstream
// script (the scripted upstream answers by the last path segment).
import type { ConfigInput } from '../../app/config/schema.ts';
import type { UpstreamScript } from './upgrade-wire.ts';
import type { ClientPlan } from './close-wire.ts';

export interface CloseCase extends ClientPlan {
  name: string;
  /** The upstream's script for this case (a plain 200 after the whole request when not given). */
  script?: UpstreamScript;
}

/** /p/ proxies to the scripted upstream, /small/ with a 1k body limit, /dead/ to a closed port,
 * /slow/ with a 1 s read timeout, /ws/ with the WebSocket switch; nothing else is routed (404). */
export function closeModel(up: number, dead: number, listen: number): ConfigInput {
  const at = `http://127.0.0.1:${up}`;
  return {
    schemaVersion: 1,
    servers: [{
      listen: [{ address: `127.0.0.1:${listen}` }],
      serverNames: ['close.test'],
      locations: [
        { path: '/p/', proxyPass: at },
        { path: '/small/', proxyPass: at, clientMaxBodySize: '1k' },
        { path: '/dead/', proxyPass: `http://127.0.0.1:${dead}` },
        { path: '/slow/', proxyPass: at, proxyReadTimeout: '1s' },
        { path: '/ws/', proxyPass: at, websocket: true },
      ],
    }],
  };
}

const H = 'Host: close.test\r\n';
const KB = 'x'.repeat(1024);
const NEXT = `GET /p/SEG HTTP/1.1\r\n${H}\r\n`;
const UPGRADE = `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n`;
/** A client that keeps sending for 2.5 s after its request, a KiB every 250 ms. */
const STREAM = { bytes: KB, everyMs: 250, fromMs: 250, untilMs: 2500 };
/** A KiB half a second after the request (after the answer), and another one a second later. */
const LATER = [{ ms: 600, write: KB }, { ms: 1600, write: KB }];
/** Watch this long, with two last writes (a probe: is the connection still read? the second one
 * meets the reset to the first if not) 8.6 s in. */
const WATCH = 9500;
const PROBE = 8600;

const OK200 = 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n';

const CASES: CloseCase[] = [
  // client_max_body_size: a Content-Length over it is refused from the head
  { name: '413 by Content-Length, body streaming', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 2000000\r\n\r\n${KB}`, trickle: STREAM, watchMs: WATCH },
  { name: '413 by Content-Length, body stops', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 2000000\r\n\r\n${KB}`, watchMs: WATCH },
  { name: '413 by Content-Length, two writes after', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 2000000\r\n\r\n${KB}`, steps: LATER, watchMs: WATCH },
  { name: '413 by Content-Length, whole body at once, two writes after', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 1100000\r\n\r\n${'b'.repeat(1100000)}`, steps: LATER, watchMs: WATCH },
  { name: '413 by Content-Length, body then half-close', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 2000000\r\n\r\n${KB}`, steps: [...LATER, { ms: 1000, shut: true }], watchMs: WATCH },
  // a chunked body found too large while reading it
  { name: '413 chunked, body streaming', send: `POST /small/SEG HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n800\r\n${KB}${KB}\r\n`, trickle: { ...STREAM, bytes: `400\r\n${KB}\r\n` }, watchMs: WATCH },
  { name: '413 chunked, body stops', send: `POST /small/SEG HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n800\r\n${KB}${KB}\r\n`, watchMs: WATCH },
  // framing errors
  { name: '400 bad chunk size, body streaming', send: `POST /p/SEG HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, trickle: STREAM, watchMs: WATCH },
  { name: '400 bad chunk size, stops', send: `POST /p/SEG HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, watchMs: WATCH },
  { name: '400 bad chunk size, two writes after', send: `POST /p/SEG HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, steps: LATER, watchMs: WATCH },
  { name: '400 bad head, two writes after', send: `GET /p/SEG HTTP/1.1\r\n${H}Bad Header\r\n\r\n`, steps: LATER, watchMs: WATCH },
  { name: '400 bad head, streaming', send: `GET /p/SEG HTTP/1.1\r\n${H}Bad Header\r\n\r\n`, trickle: STREAM, watchMs: WATCH },
  { name: '400 no Host, two writes after', send: `GET /p/SEG HTTP/1.1\r\n\r\n`, steps: LATER, watchMs: WATCH },
  // the upstream answers before reading the body (the proxy had read it all)
  { name: 'early answer, upstream closes', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 300000\r\n\r\n${'y'.repeat(300000)}`, script: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n', then: 'close', early: true }, steps: LATER, watchMs: WATCH },
  { name: 'early answer, upstream keeps', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 300000\r\n\r\n${'y'.repeat(300000)}`, script: { answer: OK200, then: 'hold', early: true }, steps: [{ ms: 600, write: NEXT }], watchMs: WATCH },
  { name: 'early 403 to an unfinished body', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 4000\r\n\r\n${KB}`, script: { answer: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n', then: 'hold', early: true }, trickle: STREAM, watchMs: WATCH },
  // the upstream cuts its answer short
  { name: 'upstream closes mid-body', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, script: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc', then: 'close' }, watchMs: WATCH },
  { name: 'upstream closes mid-body, two writes after', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, script: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc', then: 'close' }, steps: LATER, watchMs: WATCH },
  { name: 'upstream closes mid-body of an answer to a POST, two writes after', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`, script: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc', then: 'close' }, steps: LATER, watchMs: WATCH },
  { name: 'upstream read timeout mid-body, two writes after', send: `GET /slow/SEG HTTP/1.1\r\n${H}\r\n`, script: { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc', then: 'hold' }, steps: [{ ms: 1600, write: KB }, { ms: 2600, write: KB }], watchMs: WATCH },
  // the client asks for the close
  { name: 'Connection: close, pipelined request', send: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n${NEXT}`, watchMs: WATCH },
  { name: 'Connection: close, pipelined then more', send: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n${NEXT}`, steps: LATER, watchMs: WATCH },
  { name: 'Connection: close, streaming after', send: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, trickle: STREAM, watchMs: WATCH },
  { name: 'Connection: close, two writes after', send: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, steps: LATER, watchMs: WATCH },
  // a connection on which a request was ever pipelined (two heads in one read) ends with the
  // lingering close; a request sent while the one before it is served is not pipelined
  { name: 'pipelined, the last with Connection: close, two writes after', send: `${NEXT}${NEXT}GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, steps: LATER, watchMs: WATCH },
  { name: 'pipelined pair, Connection: close later, two writes after', send: NEXT + NEXT, steps: [{ ms: 300, write: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n` }, ...LATER], watchMs: WATCH },
  { name: 'POST and a GET in one read, Connection: close later, two writes after', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc${NEXT}`, steps: [{ ms: 300, write: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n` }, ...LATER], watchMs: WATCH },
  { name: 'a request sent during the one before, Connection: close later, two writes after', send: NEXT, script: { answer: OK200, then: 'http', delayMs: 400 }, steps: [{ ms: 250, write: NEXT }, { ms: 1200, write: `GET /p/SEG HTTP/1.1\r\n${H}Connection: close\r\n\r\n` }, { ms: 2000, write: KB }, { ms: 3000, write: KB }], watchMs: WATCH },
  { name: 'HTTP/1.0, two writes after', send: `GET /p/SEG HTTP/1.0\r\n${H}\r\n`, steps: LATER, watchMs: WATCH },
  { name: 'HTTP/1.0 POST, two writes after', send: `POST /p/SEG HTTP/1.0\r\n${H}Content-Length: 3\r\n\r\nabc`, steps: LATER, watchMs: WATCH },
  { name: 'HTTP/1.0, pipelined request', send: `GET /p/SEG HTTP/1.0\r\n${H}\r\n${NEXT}`, watchMs: WATCH },
  { name: 'HTTP/1.0, quiet', send: `GET /p/SEG HTTP/1.0\r\n${H}\r\n`, watchMs: WATCH },
  // keep-alive, for reference: the idle connection stays (75 s)
  { name: 'keep-alive, two writes after', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, steps: [{ ms: 600, write: 'GET /p/' }], watchMs: 3000 },
  // the client half-closes
  { name: 'half-close after a complete request', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, steps: [{ ms: 0, shut: true }], watchMs: WATCH },
  { name: 'half-close after a request, slow upstream', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, script: { answer: OK200, then: 'http', delayMs: 1000 }, steps: [{ ms: 100, shut: true }], watchMs: WATCH },
  { name: 'half-close after the answer', send: `GET /p/SEG HTTP/1.1\r\n${H}\r\n`, steps: [{ ms: 600, shut: true }], watchMs: WATCH },
  { name: 'half-close mid-body', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 4000\r\n\r\n${KB}`, steps: [{ ms: 200, shut: true }], watchMs: WATCH },
  { name: 'half-close mid-head', send: `GET /p/SEG HTTP/1.1\r\n${H}`, steps: [{ ms: 200, shut: true }], watchMs: WATCH },
  // WebSocket handshakes refused, then the client sends frames anyway
  { name: 'WS refused by the upstream (403), frames after', send: `GET /ws/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, script: { answer: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n', then: 'http' }, trickle: { ...STREAM, bytes: '\x81\x82\x00\x00\x00\x00hi' }, watchMs: WATCH },
  { name: 'WS refused by the upstream (403), two writes after', send: `GET /ws/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, script: { answer: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n', then: 'http' }, steps: LATER, watchMs: WATCH },
  { name: 'WS on a route without the switch (plain 200), two writes after', send: `GET /p/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, steps: LATER, watchMs: WATCH },
  { name: 'WS to no route (404), two writes after', send: `GET /none/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, steps: LATER, watchMs: WATCH },
  { name: 'WS refused by the upstream (426, read to its close), then a request', send: `GET /ws/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, script: { answer: 'HTTP/1.1 426 Upgrade Required\r\nConnection: close\r\n\r\nupgrade', then: 'close' }, steps: [{ ms: 600, write: `GET /none/x HTTP/1.1\r\n${H}\r\n` }], watchMs: WATCH },
  { name: 'WS with Connection: close refused by the upstream (403), two writes after', send: `GET /ws/SEG HTTP/1.1\r\n${H}${UPGRADE.replace('Connection: Upgrade', 'Connection: Upgrade, close')}\r\n`, script: { answer: 'HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno\n', then: 'http' }, steps: LATER, watchMs: WATCH },
  { name: 'WS with a body to no route (404), the body after the answer, then a request', send: `GET /none/SEG HTTP/1.1\r\n${H}${UPGRADE}Content-Length: 4\r\n\r\nab`, steps: [{ ms: 300, write: `cdGET /none/x HTTP/1.1\r\n${H}${UPGRADE}\r\nGET /none/y HTTP/1.1\r\n${H}\r\n` }], watchMs: WATCH },
  { name: 'WS to a dead upstream (502), two writes after', send: `GET /dead/SEG HTTP/1.1\r\n${H}${UPGRADE}\r\n`, steps: LATER, watchMs: WATCH },
  // error answers
  { name: '502, two writes after', send: `GET /dead/SEG HTTP/1.1\r\n${H}\r\n`, steps: LATER, watchMs: WATCH },
  { name: '502 with Connection: close, streaming', send: `POST /dead/SEG HTTP/1.1\r\n${H}Content-Length: 3\r\nConnection: close\r\n\r\nabc`, trickle: STREAM, watchMs: WATCH },
  { name: '504 while the client sends more', send: `POST /slow/SEG HTTP/1.1\r\n${H}Content-Length: 3\r\nConnection: close\r\n\r\nabc`, script: { answer: OK200, then: 'hold', delayMs: 3000 }, trickle: { ...STREAM, untilMs: 3000 }, watchMs: WATCH },
  { name: '404 to a POST, body streaming', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${KB}`, trickle: STREAM, watchMs: WATCH },
  { name: '404 to a POST, body stops', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${KB}`, watchMs: WATCH },
  { name: '404 to a POST, body completes, then a request', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 2048\r\n\r\n${KB}`, steps: [{ ms: 600, write: KB }, { ms: 1000, write: NEXT }], watchMs: WATCH },
  { name: '404 to a POST with Expect: 100-continue, body sent after', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 2048\r\nExpect: 100-continue\r\n\r\n`, steps: [{ ms: 600, write: KB + KB }, { ms: 1000, write: NEXT }], watchMs: WATCH },
  { name: '404 to a POST with Expect: 100-continue, no body sent', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 2048\r\nExpect: 100-continue\r\n\r\n`, watchMs: WATCH },
  { name: '413 to a POST with Expect: 100-continue, no body sent', send: `POST /p/SEG HTTP/1.1\r\n${H}Content-Length: 2000000\r\nExpect: 100-continue\r\n\r\n`, watchMs: WATCH },
  { name: '404 with Connection: close, body streaming', send: `POST /none/SEG HTTP/1.1\r\n${H}Content-Length: 100000\r\nConnection: close\r\n\r\n${KB}`, trickle: STREAM, watchMs: WATCH },
];

/** Each case with its probe (but the keep-alive one, which a probe would only make a bad request of). */
export const CLOSE_CASES: CloseCase[] = CASES.map((c) => (c.watchMs === WATCH ? { ...c, steps: [...(c.steps ?? []), { ms: PROBE, write: 'probe' }, { ms: PROBE + 200, write: 'probe' }] } : c));
