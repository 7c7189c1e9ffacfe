// Differential explorer of how a client connection ends: every case of close-cases.ts through real
// nginx (the exported config) and through the engine, one after the other, all cases at once; prints,
// for each case, what the client got, how and when the connection ended and whether the client's
// later writes went out, marking the cases where the two differ.
//   node --import tsx test/parity/close-explore.ts [REGEX]
import net from 'node:net';
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { refusedPort } from '../helpers/upstreams.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './upgrade-wire.ts';
import { CLOSE_CASES, closeModel, type CloseCase } from './close-cases.ts';
import { clientTimeline, sameStory, tell, type CloseView } from './close-wire.ts';

/** Each case's first bytes (to the upstream's plain 200) against `listen`, at once, until the first
 * byte of an answer or the close: a proxy's code paths are run once before they are timed. (The
 * engine shares this process's CPU with the clients, and its first pass through cold code answered
 * 0.1-1 s late on a loaded machine, after the cases' next writes: a different story.) */
async function warmUp(cases: CloseCase[], listen: number): Promise<void> {
  await Promise.all(cases.map((c) => new Promise<void>((resolve) => {
    const sock = net.connect({ port: listen, host: '127.0.0.1' });
    const done = () => { clearTimeout(timer); sock.destroy(); resolve(); };
    const timer = setTimeout(done, 2000);
    sock.once('data', done);
    sock.once('close', done);
    sock.once('error', done);
    sock.write(Buffer.from(c.send.replaceAll('SEG', 'warm'), 'latin1'));
  })));
}

/** Every case against one proxy at `listen`, at once (each is mostly waiting). */
async function runAll(cases: CloseCase[], listen: number): Promise<CloseView[]> {
  await warmUp(cases, listen);
  return Promise.all(cases.map((c, i) => clientTimeline(listen, {
    ...c,
    send: c.send.replaceAll('SEG', `c${i}`),
    steps: c.steps?.map((s) => (s.write ? { ...s, write: s.write.replaceAll('SEG', `c${i}`) } : s)),
  })));
}

/** withEngine, the views kept when the engine does not stop in time (a finding of its own: a
 * connection it still holds), and that error. */
async function withEngineViews(model: ReturnType<typeof closeModel>, fn: () => Promise<CloseView[]>): Promise<{ views: CloseView[]; stopError?: string }> {
  let views: CloseView[] = [];
  try {
    await withEngine(model, async () => void (views = await fn()));
    return { views };
  } catch (e) {
    return { views, stopError: (e as Error).message };
  }
}

export async function explore(cases: CloseCase[]): Promise<{ nginx: CloseView[]; engine: CloseView[]; stopError?: string }> {
  const scripts = (seg: string) => (seg.startsWith('c') ? cases[Number(seg.slice(1))]?.script : undefined);
  const [pN, pE] = await freePorts(2);
  const dead = await refusedPort();
  const ups: ScriptedUpstream[] = [await startScriptedUpstream(scripts), await startScriptedUpstream(scripts)];
  try {
    // (one side after the other: both at once in this process, the engine's answers to the burst of
    // cases came up to a second late)
    const nginx = await withNginx(closeModel(ups[0]!.port, dead, pN!), pN!, () => runAll(cases, pN!));
    const { views: engine, stopError } = await withEngineViews(closeModel(ups[1]!.port, dead, pE!), () => runAll(cases, pE!));
    return { nginx, engine, stopError };
  } finally {
    for (const u of ups) await u.close();
  }
}

if (process.argv[1]?.endsWith('close-explore.ts')) {
  const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;
  const cases = CLOSE_CASES.filter((c) => !filter || filter.test(c.name));
  const { nginx, engine, stopError } = await explore(cases);
  if (stopError) console.log(`engine: ${stopError}`);
  let bad = 0;
  cases.forEach((c, i) => {
    const same = sameStory(nginx[i]!, engine[i]!);
    if (!same) bad++;
    console.log(`${same ? '  ' : '≠ '}${c.name}\n     nginx  ${tell(nginx[i]!)}\n     engine ${tell(engine[i]!)}`);
  });
  console.log(`\n${bad}/${cases.length} differ`);
}
