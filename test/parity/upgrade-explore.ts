// Differential explorer of upgrade handshakes: every case of upgrade-cases.ts through real nginx
// (the exported config) and through the engine, each with its own scripted upstream; prints each
// case where what the upstream received (bytes per connection, FINs) or what the client received
// (bytes, how the connection ended) differ.
//   node --import tsx test/parity/upgrade-explore.ts [REGEX]
import { withEngine, withNginx } from './harness.ts';
import { freePorts, maskPort } from '../helpers/ports.ts';
import { allCases, ANSWERS, model, type UpgradeCase } from './upgrade-cases.ts';
import { clientExchange, startScriptedUpstream, type ScriptedUpstream } from './upgrade-wire.ts';

export interface Outcome {
  client: string;
  /** The status line of the request sent after the case (`post`). */
  post?: string;
  end: string;
  upstream: string[];
}

/** Ports, dates and nginx's Server line out, so the two runs compare byte for byte. */
function normalize(text: string, up: number, listen: number): string {
  return maskPort(maskPort(text, up, 'UP'), listen, 'LISTEN')
    .replace(/\r\nDate: [^\r]*/gi, '\r\nDate: DATE')
    .replace(/\r\nServer: nginx[^\r]*/gi, '');
}

/** The length of the first HTTP message in `text` (head and body by its framing; all of it when read to the close). */
function firstMessageLength(text: string, isResponse: boolean, headRequest = false): number {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return text.length;
  const head = text.slice(0, end + 4);
  const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head)?.[1] ?? 0);
  const noBody = isResponse && (status === 204 || status === 304 || status < 200 || headRequest);
  if (noBody) return end + 4;
  const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (cl) return end + 4 + Number(cl[1]);
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', end);
    return last < 0 ? text.length : last + 7;
  }
  return isResponse ? text.length : end + 4;
}

/**
 * The outcome with the README's documented differences taken out: header order (each answer's
 * fields sorted; after a 101, what follows is the tunnel's and stays as it came) and the error
 * pages' signature, with the 2 bytes it makes of their Content-Length.
 */
export function lenient(o: Outcome, headRequest = false): Outcome {
  const sortHead = (text: string) => {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return text;
    const [line, ...fields] = text.slice(0, end).split('\r\n');
    return [line, ...fields.sort(), '', text.slice(end + 4)].join('\r\n');
  };
  const page = /<hr><center>(nginx\/[\d.]+|switchyard)<\/center>/;
  const answers: string[] = [];
  let rest = o.client;
  while (rest) {
    const status = /^HTTP\/1\.\d (\d{3})/.exec(rest)?.[1];
    // (a HEAD's answer has no body; what follows it answers the next request)
    const n = !status || status === '101' ? rest.length : firstMessageLength(rest, true, headRequest && answers.length === 0);
    let answer = rest.slice(0, n);
    rest = rest.slice(n);
    if (page.test(answer)) answer = answer.replace(page, '<hr><center>SERVER</center>').replace(/\r\nContent-Length: \d+/i, '\r\nContent-Length: PAGE');
    answers.push(sortHead(answer));
  }
  return { ...o, client: answers.join('') };
}

async function runCase(c: UpgradeCase, seg: string, listen: number, up: ScriptedUpstream): Promise<Outcome> {
  const bytes = c.bytes.replaceAll('SEG', seg);
  if (c.pre) await clientExchange(listen, c.pre, { quietMs: 150 });
  up.mark();
  const before = up.nextId();
  const got = await clientExchange(listen, bytes, { after: c.after, halfClose: c.halfClose, reset: c.reset, quietMs: c.quietMs, settleMs: c.settleMs });
  // (let the proxy finish with the upstream: its FIN or last bytes)
  await new Promise((r) => setTimeout(r, c.quietMs ? 500 : 150));
  const post = c.post ? normalize((await clientExchange(listen, c.post, { quietMs: 150 })).got, up.port, listen) : undefined;
  const view = up.view();
  return {
    client: normalize(got.got, up.port, listen),
    post: post?.slice(0, post.indexOf('\r\n')),
    end: got.end + (c.after !== undefined && !got.wroteAfter ? ' (closed before the frame)' : ''),
    upstream: view.conns.map((k) => `#${k.id - before}${k.fin ? ' fin' : ''} ${JSON.stringify(normalize(k.bytes.replaceAll(seg, 'SEG'), up.port, listen))}`),
  };
}

export async function runAll(cases: UpgradeCase[]): Promise<{ nginx: Outcome[]; engine: Outcome[] }> {
  const scripts = (seg: string) => (seg.startsWith('c') ? ANSWERS[cases[Number(seg.slice(1))]!.answer] : undefined);
  const [pN, pE] = await freePorts(2);
  const upN = await startScriptedUpstream(scripts);
  const upE = await startScriptedUpstream(scripts);
  const nginx: Outcome[] = [];
  const engine: Outcome[] = [];
  const run = async (listen: number, up: ScriptedUpstream, into: Outcome[]) => {
    for (let i = 0; i < cases.length; i++) into.push(await runCase(cases[i]!, `c${i}`, listen, up));
  };
  try {
    await Promise.all([
      withNginx(model(upN.port, pN!), pN!, () => run(pN!, upN, nginx)),
      withEngine(model(upE.port, pE!), () => run(pE!, upE, engine)),
    ]);
  } finally {
    await upN.close();
    await upE.close();
  }
  return { nginx, engine };
}

if (process.argv[1]?.endsWith('upgrade-explore.ts')) {
  const strict = process.argv.includes('--strict');
  const args = process.argv.slice(2).filter((a) => a !== '--strict');
  const filter = args[0] ? new RegExp(args[0]) : undefined;
  const cases = allCases(filter);
  const { nginx, engine } = await runAll(cases);
  let bad = 0;
  cases.forEach((c, i) => {
    const isHead = c.bytes.startsWith('HEAD ');
    const n = strict ? nginx[i]! : lenient(nginx[i]!, isHead);
    const e = strict ? engine[i]! : lenient(engine[i]!, isHead);
    if (JSON.stringify(n) === JSON.stringify(e)) return;
    bad++;
    console.log(`\n== ${c.name}\n   request ${JSON.stringify(c.bytes)}${c.after ? ` after ${JSON.stringify(c.after)}` : ''}`);
    for (const k of ['client', 'end', 'upstream', 'post'] as const) {
      if (JSON.stringify(n[k]) === JSON.stringify(e[k])) continue;
      console.log(`   ${k}:\n     nginx  ${JSON.stringify(n[k])}\n     engine ${JSON.stringify(e[k])}`);
    }
  });
  console.log(`\n${bad}/${cases.length} differ`);
}
