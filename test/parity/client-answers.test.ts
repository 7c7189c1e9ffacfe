// What the client gets back, byte for byte, for request heads that end in the proxy's own answer,
// compared with real nginx running the exported config: an HTTP/1.1 request without Host (node
// would write a bare 400 of its own), and a head node cannot parse behind pipelined requests still
// being served (its 400 or 414 must follow their responses, not take the place of the first one),
// and a client that half-closes inside a head or a body (nginx closes without an answer), HTTP
// versions, and Transfer-Encodings nginx refuses (501) where node's parser refuses the head or the
// body after handing the request over (one answer, never a second one behind it).
// Everything but Date and Server is compared (Keep-Alive included: nginx sends none by default); the
// error page's signature line (and so its Content-Length) is the only other thing allowed to
// differ. Needs Debian's nginx; fails without it.
import net from 'node:net';
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../app/config/schema.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { startRawUpstream, rawExchange } from './wire-harness.ts';

function model(up: number, listen: number): ConfigInput {
  return {
    schemaVersion: 1,
    servers: [{ listen: [{ address: `127.0.0.1:${listen}` }], serverNames: ['answers.test'], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up}` }, { path: '/nolimit/', proxyPass: `http://127.0.0.1:${up}`, clientMaxBodySize: '0' }, { path: '/dir/', proxyPass: `http://127.0.0.1:${up}/`, websocket: true }] }],
  };
}

const H = 'Host: answers.test\r\n';
const cases: Array<{ name: string; bytes: string; halfClose?: true; then?: string }> = [
  { name: 'HTTP/1.1 without Host', bytes: 'GET /a HTTP/1.1\r\nUser-Agent: x\r\n\r\n' },
  { name: 'HTTP/1.1 absolute-form without Host', bytes: 'GET http://answers.test/a HTTP/1.1\r\n\r\n' },
  { name: 'HTTP/1.1 without Host behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n\r\n` },
  { name: 'a head node cannot parse behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\n\r\nGARBAGE\r\n\r\n` },
  { name: 'a bad head behind two pipelined requests, one with a body', bytes: `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n${H}\r\nGET /c HTTP/1.1\r\n${H}X-Nul: a\x00b\r\n\r\n` },
  { name: 'a request line too long behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /${'l'.repeat(70_000)} HTTP/1.1\r\n${H}\r\n` },
  { name: 'a bad head behind a request that closes the connection (never read)', bytes: `GET /a HTTP/1.1\r\n${H}Connection: close\r\n\r\nGARBAGE\r\n\r\n` },
  { name: 'a bad chunk in the body of a request behind a pipelined one', bytes: `GET /a HTTP/1.1\r\n${H}\r\nPOST /b HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n` },
  { name: 'a bad chunk in the body of a request alone', bytes: `POST /b HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nZZ\r\n` },
  { name: 'HTTP/2.0 on the request line', bytes: `GET /a HTTP/2.0\r\n${H}\r\n` },
  { name: 'HTTP/2.1 on the request line', bytes: `GET /a HTTP/2.1\r\n${H}\r\n` },
  { name: 'HTTP/3.0 on the request line', bytes: `GET /a HTTP/3.0\r\n${H}\r\n` },
  { name: 'HTTP/2 on the request line (no minor version)', bytes: `GET /a HTTP/2\r\n${H}\r\n` },
  { name: 'HTTP/9.9 on the request line', bytes: `GET /a HTTP/9.9\r\n${H}\r\n` },
  { name: 'HTTP/0.5 on the request line', bytes: `GET /a HTTP/0.5\r\n${H}\r\n` },
  { name: 'HTTP/10.0 on the request line (a two-digit major version)', bytes: `GET /a HTTP/10.0\r\n${H}\r\n` },
  { name: 'HTTP/0.9 on the request line (node takes it)', bytes: `GET /a HTTP/0.9\r\n${H}\r\n` },
  { name: 'Transfer-Encoding "chunked, gzip" (node refuses the head)', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n` },
  { name: 'Transfer-Encoding "chunked, gzip" before the Host line, behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nPOST /b HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n${H}X-B: 1\r\n\r\n` },
  { name: 'Transfer-Encoding "chunked, gzip" with two Host lines', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n${H}\r\n` },
  { name: 'Transfer-Encoding gzip beside a Content-Length', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc` },
  { name: 'Transfer-Encoding identity (node takes the head, then refuses the body)', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n` },
  { name: 'Transfer-Encoding gzip on a GET behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n` },
  { name: 'Transfer-Encoding gzip without Host', bytes: 'POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n' },
  { name: 'Transfer-Encoding gzip with an unreadable Content-Length', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nContent-Length: x\r\n\r\n` },
  { name: 'Transfer-Encoding gzip twice', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: gzip\r\n\r\n` },
  { name: 'Transfer-Encoding gzip, chunked on HTTP/1.0', bytes: `POST /a HTTP/1.0\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n` },
  { name: 'Transfer-Encoding "chunked" with a tab at its end (node trims it, then refuses the body)', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n` },
  { name: 'Transfer-Encoding "chunked" with a tab at its end, behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nPOST /b HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n` },
  { name: 'Content-Length past 2^63 - 1 (node takes it up to 2^64 - 1)', bytes: `POST /a HTTP/1.1\r\n${H}Content-Length: 9999999999999999999\r\n\r\nabc` },
  { name: 'Content-Length 2^63 - 1 with leading zeros, on a location without a body limit', bytes: `POST /nolimit/a HTTP/1.1\r\n${H}Content-Length: 0009223372036854775808\r\n\r\nabc` },
  { name: 'Content-Length past 2^63 - 1 beside a Transfer-Encoding node refuses', bytes: `POST /a HTTP/1.1\r\n${H}Content-Length: 9223372036854775808\r\nTransfer-Encoding: identity\r\n\r\n` },
  { name: 'TRACE (405) with a bad chunk in its body', bytes: `TRACE /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nZZ\r\n` },
  { name: 'Transfer-Encoding chunked beside a Content-Length', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n` },
  { name: 'HTTP/3.0 behind a pipelined request', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/3.0\r\n${H}\r\n` },
  { name: '1,000 header lines (nginx\'s most)', bytes: `GET /a HTTP/1.1\r\n${H}Connection: close\r\n${'X-L: 1\r\n'.repeat(998)}\r\n` },
  { name: '1,001 header lines: too many', bytes: `GET /a HTTP/1.1\r\n${H}Connection: close\r\n${'X-L: 1\r\n'.repeat(999)}\r\n` },
  { name: '1,100 header lines, Content-Length last', bytes: `POST /a HTTP/1.1\r\n${H}Connection: close\r\n${'X-L: 1\r\n'.repeat(1097)}Content-Length: 2\r\n\r\nab` },
  // CONNECT: with an authority a head nginx cannot parse (400), with a path or an absolute URI a
  // method it refuses (405); either in turn behind pipelined requests, whose answers come first
  { name: 'CONNECT host:port behind a pipelined POST', bytes: `POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcCONNECT answers.test:443 HTTP/1.1\r\n${H}\r\n` },
  { name: 'CONNECT behind two pipelined GETs', bytes: `GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\nCONNECT answers.test:443 HTTP/1.0\r\n\r\n` },
  { name: 'CONNECT with a path', bytes: `CONNECT /a HTTP/1.1\r\n${H}\r\n` },
  { name: 'CONNECT with an absolute URI, HTTP/1.0', bytes: `CONNECT http://answers.test/a HTTP/1.0\r\n\r\n` },
  // (the checks every head gets come first: Host, Transfer-Encoding, the target's dot segments)
  { name: 'CONNECT with a path, HTTP/1.1 without Host', bytes: 'CONNECT /a HTTP/1.1\r\n\r\n' },
  { name: 'CONNECT with a path and Transfer-Encoding gzip', bytes: `CONNECT /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n` },
  { name: 'CONNECT with a path above the root', bytes: `CONNECT /../x HTTP/1.1\r\n${H}\r\n` },
  { name: 'CONNECT with an absolute URI of another scheme', bytes: `CONNECT a+b.c-d://answers.test/x HTTP/1.1\r\n${H}\r\n` },
  // the proxy's own answers: to HEAD without a body; a Host of raw bytes in a Location as it came
  { name: 'HEAD with a request line node refuses', bytes: `HEAD /a b HTTP/1.1\r\n${H}\r\n` },
  { name: 'HEAD with an unreadable Content-Length', bytes: `HEAD /a HTTP/1.1\r\n${H}Content-Length: x\r\n\r\n` },
  { name: 'HEAD with an unreadable Content-Length, in a later read than the request before it', bytes: `GET /a HTTP/1.1\r\n${H}\r\n`, then: `HEAD /b HTTP/1.1\r\n${H}Content-Length: x\r\n\r\n` },
  { name: 'a GET refused behind a body that ends in "HEAD ", in a later read', bytes: `GET /a HTTP/1.1\r\n${H}\r\n`, then: `POST /a HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nHEAD GET /b HTTP/1.1\r\n${H}Content-Length: x\r\n\r\n` },
  { name: 'HEAD upgrade request to a bare prefix (301)', bytes: `HEAD /dir HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n` },
  { name: 'a Host of raw bytes in the 301 to a bare prefix', bytes: 'GET /dir HTTP/1.1\r\nHost: a\u00e9.test\r\nConnection: close\r\n\r\n' },
  { name: 'a Host of raw bytes in the 301 to an upgrade request', bytes: 'GET /dir HTTP/1.1\r\nHost: a\u00e9.test\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n\r\n' },
  { name: 'a client that half-closes inside a head', bytes: `GET /a HTTP/1.1\r\n${H}X-A: 1\r\n`, halfClose: true },
  { name: 'a client that half-closes inside a body', bytes: `POST /a HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`, halfClose: true },
  { name: 'a client that half-closes inside a chunked body', bytes: `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`, halfClose: true },
];

/** Write `bytes` and half-close (`then` null), or write `then` 300 ms later (the first answer in:
 * the second head is another read); read until the proxy closes (bounded). */
function untilClosed(port: number, bytes: string, then: string | null): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error('the proxy did not close within 8 s')), 8000);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
    if (then === null) sock.end(Buffer.from(bytes, 'latin1'));
    else {
      sock.write(Buffer.from(bytes, 'latin1'));
      setTimeout(() => sock.write(Buffer.from(then, 'latin1')), 300);
    }
  });
}

/** The response bytes without Date and Server lines, the error page's signature and length made neutral. */
function normalized(response: string): string {
  const page = /<hr><center>(nginx\/[\d.]+|switchyard)<\/center>/g;
  return response
    .replace(/:\d+\/dir\//g, ':PROXY/dir/')
    .replace(/(Content-Type: text\/html\r\nContent-Length: )\d+(\r\n(?:[^\r]+\r\n)*\r\n)$/, '$1PAGE$2')
    .replace(/\r\n(Date|Server): [^\r]*/g, '')
    .replace(/Content-Length: \d+(\r\n(?:[^\r]+\r\n)*\r\n<html>)/g, 'Content-Length: PAGE$1')
    .replace(page, '<hr><center>SERVER</center>');
}

let nginx: string[];
let engine: string[];

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const [pN, pE] = await freePorts(2);
  const upN = await startRawUpstream();
  const upE = await startRawUpstream();
  const run = async (port: number) => {
    const out: string[] = [];
    for (const c of cases) out.push(normalized(c.halfClose || c.then ? await untilClosed(port, c.bytes, c.then ?? null) : (await rawExchange(port, c.bytes)).response));
    return out;
  };
  try {
    nginx = await withNginx(model(upN.port, pN!), pN!, () => run(pN!));
    engine = await withEngine(model(upE.port, pE!), () => run(pE!));
  } finally {
    await upN.close();
    await upE.close();
  }
});

cases.forEach((c, i) => {
  test(`client answer: ${c.name}`, () => {
    if (!cases[i]!.halfClose) assert.match(nginx[i]!, /^HTTP\/1\.1 /, 'nginx answered');
    assert.equal(JSON.stringify(engine[i]), JSON.stringify(nginx[i]));
  });
});
