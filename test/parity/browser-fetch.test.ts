// Chromium's fetch and XMLHttpRequest (its own network stack) through real nginx running the
// exported config and through the engine, from a page served through each proxy (same-origin), in
// front of the scripted upstream of client-tools.ts: what the page sees of each answer (status,
// headers but Date and Server, body, redirects followed) must be the same, for bodies sized, from
// a Blob, with `keepalive: true` and as a ReadableStream, for the answers the upstream gives and
// the proxy's own (404, 301, 413, 502, 504, 500: nginx pads those pages for Chrome, msie_padding),
// and for answers cut short; and Chromium must send the same requests on the same connections (a
// counting relay in front of each proxy sees which connection each request line came on: kept
// after the answers that keep it, a new one after those that end it). The page names its icon
// inline: a /favicon.ico request still under way when the first fetch starts sends that fetch on
// a second connection, by timing alone. Needs Debian's nginx and
// chromium; fails without either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { findNginx } from '../../main/nginx/binary.ts';
import { withEngine, withNginx } from './harness.ts';
import { freePorts, maskPort } from '../helpers/ports.ts';
import net from 'node:net';
import { refusedPort, startTcpServer, type TcpServer } from '../helpers/upstreams.ts';
import { launchChromium } from '../e2e/browser.ts';
import { clientsModel, startScriptedUpstream } from './client-tools.ts';

/** The page's XMLHttpRequest (this file is type-checked without the DOM library; the callback runs in the page). */
declare const XMLHttpRequest: new () => {
  open(method: string, url: string): void;
  send(body?: string): void;
  getAllResponseHeaders(): string;
  status: number;
  responseText: string;
  onload: () => void;
  onerror: () => void;
};

/** Each step: a label, and the fetch it makes (a string the page evaluates: `fetch(...)`). */
const STEPS: Array<[string, string]> = [
  ['GET', "fetch('/p/echo')"],
  ['POST text', "fetch('/p/echo', { method: 'POST', body: 'hello' })"],
  ['POST with keepalive: true', "fetch('/p/echo', { method: 'POST', body: 'ka', keepalive: true })"],
  ['PUT a Blob over HTTP/1.1 upstream', "fetch('/ka/echo', { method: 'PUT', body: new Blob(['a', 'b']) })"],
  ['POST a ReadableStream (Chromium refuses it over HTTP/1.1)', "fetch('/p/echo', { method: 'POST', duplex: 'half', body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('st')); c.close(); } }) })"],
  ['the proxy\'s 404', "fetch('/nope/x')"],
  ['the proxy\'s 301, followed', "fetch('/dir')"],
  ['an upstream redirect to its own address (another origin: not followed)', "fetch('/p/redirect')"],
  ['a relative upstream redirect, followed', "fetch('/p/relredirect')"],
  ['502', "fetch('/dead/x')"],
  ['504', "fetch('/tmo/slowhead')"],
  ['500 after X-Accel-Redirect loops', "fetch('/p/xaloop')"],
  ['413 to a 2 MB body', "fetch('/small/echo', { method: 'POST', body: 'x'.repeat(2000000) })"],
  ['413 to a 2 kB body', "fetch('/small/echo', { method: 'POST', body: 'y'.repeat(2000) })"],
  ['404 to a 200 kB body', "fetch('/nope/x', { method: 'POST', body: 'x'.repeat(200000) })"],
  ['a 2 MB body over the default 1m limit', "fetch('/p/echo', { method: 'POST', body: 'x'.repeat(2000000) })"],
  ['a head and no body', "fetch('/p/headclose')"],
  ['chunked', "fetch('/p/chunked')"],
  ['close-delimited', "fetch('/p/closedelim')"],
  ['gzip', "fetch('/p/gzip')"],
  ['204', "fetch('/p/204')"],
  ['304', "fetch('/p/304')"],
  ['trailer', "fetch('/ka/trailer')"],
  ['HEAD', "fetch('/p/big', { method: 'HEAD' })"],
  ['If-None-Match', "fetch('/p/etag', { headers: { 'If-None-Match': '\"v1\"' } })"],
  ['after all of them', "fetch('/p/echo')"],
];

let browser: Browser;
let upstream: TcpServer;
const got: Partial<Record<'nginx' | 'engine', string[]>> = {};

/** A relay to `port` that numbers the connections it accepts, and lists the request lines on each. */
async function countingRelay(port: number): Promise<{ port: number; lines: string[]; close(): Promise<void> }> {
  const lines: string[] = [];
  let count = 0;
  const relay = await startTcpServer((client) => {
    const n = ++count;
    const proxy = net.connect(port, '127.0.0.1');
    client.on('close', () => proxy.destroy());
    client.on('error', () => proxy.destroy());
    proxy.on('error', () => client.destroy());
    client.on('data', (d: Buffer) => { for (const m of d.toString('latin1').matchAll(/^[A-Z]+ \S+ HTTP\/1\.1$/gm)) lines.push(`connection ${n}: ${m[0]}`); });
    client.pipe(proxy).pipe(client);
  });
  return { port: relay.port, lines, close: relay.close };
}

/** What the page saw of every step, and of three XMLHttpRequests, through the proxy on `proxyPort`; then the requests by connection. */
async function run(proxyPort: number): Promise<string[]> {
  const relay = await countingRelay(proxyPort);
  const port = relay.port;
  const page = await browser.newPage();
  try {
    await page.addInitScript('globalThis.__name = (f) => f;'); // (see browser-client.test.ts)
    await page.goto(`http://127.0.0.1:${port}/p/page`);
    const seen = await page.evaluate(async (steps) => {
      // a page's own text has its signature as the engine's, and no Content-Length (2 bytes apart)
      const clean = (text: string) => text.replace('<hr><center>nginx/1.22.1</center>', '<hr><center>switchyard</center>');
      const headerLines = (pairs: Array<[string, string]>) => pairs.filter(([k]) => !/^(date|server)$/.test(k) && !(k === 'content-length' && pairs.some(([n, v]) => n === 'content-type' && v === 'text/html'))).map(([k, v]) => `${k}: ${v}`).sort().join('; ');
      const out: string[] = [];
      for (const [label, code] of steps) {
        try {
          const r = await (0, eval)(code) as Response;
          let body: string;
          try { body = clean(await r.text()); } catch (e) { body = `body error: ${String(e)}`; }
          out.push(`${label}: ${r.status} ${r.statusText} redirected=${r.redirected} ${r.url.replace(/:\d+\//, ':PORT/')} [${headerLines([...r.headers.entries()])}] ${body}`);
        } catch (e) {
          out.push(`${label}: error ${String(e)}`);
        }
      }
      const xhr = (method: string, url: string, body?: string) => new Promise<string>((resolve) => {
        const x = new XMLHttpRequest();
        x.open(method, url);
        x.onload = () => resolve(`${method} ${url}: ${x.status} [${headerLines(x.getAllResponseHeaders().trim().split('\r\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as [string, string]))}] ${clean(x.responseText)}`);
        x.onerror = () => resolve(`${method} ${url}: error, status ${x.status}`);
        x.send(body);
      });
      out.push(await xhr('GET', '/p/echo'), await xhr('POST', '/small/echo', 'x'.repeat(2_000_000)), await xhr('POST', '/ka/echo', 'hi'));
      return out;
    }, STEPS);
    return [...seen, ...relay.lines].map((l) => maskPort(l, port));
  } finally {
    await page.close();
    await relay.close();
  }
}

before(async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  browser = await launchChromium();
  upstream = await startScriptedUpstream();
  const dead = await refusedPort();
  const [pN, pE] = await freePorts(2);
  got.nginx = await withNginx(clientsModel(upstream.port, dead, pN!), pN!, () => run(pN!));
  got.engine = await withEngine(clientsModel(upstream.port, dead, pE!), () => run(pE!));
});

after(async () => {
  await browser?.close();
  await upstream?.close();
});

test('Chromium fetch and XMLHttpRequest: every answer the same through nginx and the engine', () => {
  const answers = STEPS.length + 3;
  assert.deepEqual(got.engine!.slice(0, answers), got.nginx!.slice(0, answers));
});

test('Chromium fetch and XMLHttpRequest: the same requests on the same connections through nginx and the engine', () => {
  const answers = STEPS.length + 3;
  const byConnection = (lines: string[]) => lines.slice(answers).join('\n');
  assert.match(byConnection(got.nginx!), /connection 2: /, 'answers that end the connection (413) came');
  assert.equal(byConnection(got.engine!), byConnection(got.nginx!));
});

test('Chromium fetch: the proxies\' own pages come padded for Chrome, as from nginx', () => {
  const notFound = got.engine!.find((l) => l.startsWith('the proxy\'s 404:'))!;
  assert.match(notFound, /<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n$/);
  assert.equal(notFound.split('a padding to disable').length - 1, 6);
});
