// Run more seeds of the random parity scenarios and print every difference:
//   node --import tsx test/parity/explore.ts loc|host|hdr FROM TO [REQUESTS]
import { runScenario } from './harness.ts';
import { MODES } from './random-scenarios.ts';

const [mode = 'loc', fromArg = '1', toArg = '5', nArg = '60'] = process.argv.slice(2);
const make = MODES[mode as keyof typeof MODES];
if (!make) throw new Error(`mode is one of ${Object.keys(MODES).join(', ')}`);
let total = 0;
let bad = 0;
for (let seed = Number(fromArg); seed <= Number(toArg); seed++) {
  const s = make(seed, Number(nArg));
  const { nginx, engine } = await runScenario(s);
  s.requests.forEach((q, i) => {
    total++;
    if (JSON.stringify(nginx[i]) === JSON.stringify(engine[i])) return;
    bad++;
    console.log(`seed ${seed} ${q.method ?? 'GET'} ${q.path} host=${q.host} body=${q.body?.length} ${JSON.stringify(q.headers ?? q.pipeline?.raw)}\n  nginx  ${JSON.stringify(nginx[i])}\n  engine ${JSON.stringify(engine[i])}`);
  });
}
console.log(`${bad}/${total} differ`);
