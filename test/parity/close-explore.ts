// Differential explorer of how a client connection ends: every case of close-cases.ts through real
// nginx (the exported config) and through the engine, side by side and all cases at once; prints,
// for each case, what the client got, how and when the connection ended and whether the client's
// later writes went out, marking the cases where the two differ.
//   node --import tsx test/parity/close-explore.ts [REGEX]
import { withEngine, withNginx } from './harness.ts';
import { freePorts } from '../helpers/ports.ts';
import { refusedPort } from '../helpers/upstreams.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './upgrade-wire.ts';
import { CLOSE_CASES, closeModel, type CloseCase } from './close-cases.ts';
import { clientTimeline, sameStory, tell, type CloseView } from './close-wire.ts';

/** Every case against one proxy at `listen`, at once (each is mostly waiting). */
function runAll(cases: CloseCase[], listen: number): Promise<CloseView[]> {
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
    const [nginx, { views: engine, stopError }] = await Promise.all([
      withNginx(closeModel(ups[0]!.port, dead, pN!), pN!, () => runAll(cases, pN!)),
      withEngineViews(closeModel(ups[1]!.port, dead, pE!), () => runAll(cases, pE!)),
    ]);
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
