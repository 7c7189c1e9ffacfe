// Differential explorer of misbehaving upstream answers: each case's raw answer bytes go through
// real nginx (the exported config) and the engine, the client asking again on the same connection
// half a second later; prints what the client got (Date and Server removed, header lines sorted,
// the error page's signature made equal) and how its connection ended, for the cases that differ
// (all with -a). Most differences it shows are the ones the README lists (node's parser is stricter
// than nginx's); the others are findings.
//   node --import tsx test/parity/misbehave-explore.ts [REGEX] [-a]
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { refusedPort } from '../helpers/upstreams.ts';
import { startScriptedUpstream, type UpstreamScript } from './upgrade-wire.ts';
import { clientTimeline, type CloseView } from './close-wire.ts';
import { closeModel } from './close-cases.ts';

interface Case { name: string; script: UpstreamScript; method?: string }
const c = (name: string, answer: string, then: UpstreamScript['then'] = 'close', method?: string): Case => ({ name, script: { answer, then }, method });
const OK = 'Content-Length: 3\r\n\r\nok\n';
const line = (status: string) => c(`status line ${JSON.stringify(status)}`, `${status}\r\n${OK}`);
const head = (name: string, header: string) => c(name, `HTTP/1.1 200 OK\r\n${header}\r\n${OK}`);
const framed = (name: string, headers: string, body: string) => c(name, `HTTP/1.1 200 OK\r\n${headers}\r\n\r\n${body}`);

export const CASES: Case[] = [
  c('100 unasked, then 200', `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n${OK}`, 'http'),
  c('103 Early Hints, then 200', `HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\n${OK}`, 'http'),
  c('101 to a plain GET', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nxyz'),
  c('HTTP/0.9-like answer', 'hello world\n'),
  c('CR LF before the status line', `\r\nHTTP/1.1 200 OK\r\n${OK}`),
  c('LF before the status line', `\nHTTP/1.1 200 OK\r\n${OK}`),
  ...['HTTP/1.1 200', 'HTTP/1.1 200 ', 'HTTP/1.1 600 Odd', 'HTTP/1.1 099 Odd', 'HTTP/1.1 1000 Odd', 'HTTP/1.1 200OK', 'HTTP/1.1  200 OK', 'HTTP/1.2 200 OK', 'HTTP/2.0 200 OK', 'http/1.1 200 OK', 'ICY 200 OK', 'HTTP/1.1\t200 OK'].map(line),
  c('truncated Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'),
  c('truncated chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab'),
  c('truncated after a whole chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n'),
  c('reset after the head', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'reset'),
  c('closed before answering', ''),
  framed('Content-Length and Transfer-Encoding', 'Content-Length: 2\r\nTransfer-Encoding: chunked', '3\r\nabc\r\n0\r\n\r\n'),
  framed('two different Content-Lengths', 'Content-Length: 3\r\nContent-Length: 4', 'abcd'),
  framed('Content-Length +3', 'Content-Length: +3', 'abc'),
  framed('Transfer-Encoding gzip, chunked', 'Transfer-Encoding: gzip, chunked', '3\r\nabc\r\n0\r\n\r\n'),
  framed('a bad chunk size', 'Transfer-Encoding: chunked', 'zz\r\nabc\r\n0\r\n\r\n'),
  head('a header line without a colon', 'NoColon'),
  head('obs-fold', 'X-A: a\r\n  folded'),
  head('NUL in a value', 'X-A: a\0b'),
  head('bare CR in a value', 'X-A: a\rb'),
  head('a separator in a name', 'X/A: 1'),
  head('tabs around a value', 'X-A: \t a \t'),
  head('a head over proxy_buffer_size', `X-Big: ${'a'.repeat(5000)}`),
  c('bare LF line ends', `HTTP/1.1 200 OK\nX-A: a\nContent-Length: 3\n\nok\n`),
  c('a body to HEAD', `HTTP/1.1 200 OK\r\n${OK}`, 'http', 'HEAD'),
  c('204 with a body', `HTTP/1.1 204 No Content\r\n${OK}`, 'http'),
  c('304 with a chunked body', 'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'http'),
  c('more than Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'),
];

function norm(s: string): string {
  const plain = s.replace(/\r\n(Date|Server): [^\r]*/g, '').replace('<hr><center>nginx/1.22.1</center>', '<hr><center>switchyard</center>').replace('Content-Length: 157\r\n', 'Content-Length: 155\r\n');
  return plain.replace(/(HTTP\/1\.1 \d\d\d[^\r]*\r\n)((?:[^\r]+\r\n)*)\r\n/g, (_, l: string, h: string) => `${l}${h.split('\r\n').filter(Boolean).sort().join('|')}\r\n\r\n`).replace(/<html>[^]*?<\/html>\r\n/g, '[page]');
}
const show = (v: CloseView): string => `${JSON.stringify(norm(v.got))} ${v.events.map((e) => e.what).join(',') || 'open'}`;

function runAll(listen: number): Promise<CloseView[]> {
  const H = 'Host: close.test\r\n';
  return Promise.all(CASES.map((k, i) => clientTimeline(listen, {
    send: `${k.method ?? 'GET'} /p/c${i} HTTP/1.1\r\n${H}\r\n`,
    steps: [{ ms: 500, write: `GET /p/ok HTTP/1.1\r\n${H}\r\n` }],
    watchMs: 1500,
  })));
}

if (process.argv[1]?.endsWith('misbehave-explore.ts')) {
  const all = process.argv.includes('-a');
  const pattern = process.argv.slice(2).find((a) => a !== '-a');
  const filter = pattern ? new RegExp(pattern) : undefined;
  const scripts = (seg: string) => (seg.startsWith('c') ? CASES[Number(seg.slice(1))]?.script : undefined);
  const [pN, pE] = await freePorts(2);
  const dead = await refusedPort();
  const [uN, uE] = [await startScriptedUpstream(scripts), await startScriptedUpstream(scripts)];
  try {
    const nginx = await withNginx(closeModel(uN.port, dead, pN!), pN!, () => runAll(pN!));
    const engine = await withEngine(closeModel(uE.port, dead, pE!), () => runAll(pE!));
    let bad = 0;
    CASES.forEach((k, i) => {
      if (filter && !filter.test(k.name)) return;
      const [a, b] = [show(nginx[i]!), show(engine[i]!)];
      if (a !== b) bad++;
      if (a !== b || all) console.log(`${a === b ? '  ' : '≠ '}${k.name}\n     nginx  ${a}${a === b ? '' : `\n     engine ${b}`}`);
    });
    console.log(`\n${bad} differ`);
  } finally {
    await uN.close();
    await uE.close();
  }
}
