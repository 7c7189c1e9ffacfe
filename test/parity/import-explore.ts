// Run seeds of the import parity explorer and print every difference, and every file the import
// refuses or nginx refuses while the other takes it:
//   node --import tsx test/parity/import-explore.ts FROM TO [REQUESTS] [-v]
// (-v also prints each file's text and why a case was skipped.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCase } from './import-gen.ts';
import { differences, runImportCase } from './import-parity.ts';

const args = process.argv.slice(2).filter((a) => a !== '-v');
const verbose = process.argv.includes('-v');
const [fromArg = '1', toArg = '10', nArg = '30'] = args;
const count = { compared: 0, warned: 0, refused: 0, failed: 0, requests: 0, differ: 0, order: 0 };
for (let seed = Number(fromArg); seed <= Number(toArg); seed++) {
  const c = importCase(seed, Number(nArg));
  const show = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'show-'));
    const f = c.files({ up: { u0: 1001, u1: 1002, u2: 1003 }, dead: 1004, hole: 0, closes: 0, badHeader: 0, raw: 0, listen: 8080 }, dir);
    await rm(dir, { recursive: true });
    return `${f.main}${f.extra ? `--- extra.conf\n${f.extra}` : ''}`;
  };
  let o;
  try {
    o = await runImportCase(c);
  } catch (e) {
    count.failed++;
    console.log(`seed ${seed}: FAILED ${(e as Error).message.slice(0, 600)}\n${await show()}`);
    continue;
  }
  count[o.kind]++;
  if (o.kind === 'warned' || o.kind === 'refused') {
    if (o.kind === 'refused' || verbose) console.log(`seed ${seed}: ${o.kind}\n  ${(o.kind === 'warned' ? o.warnings : o.issues).join('\n  ')}`);
    continue;
  }
  count.requests += c.requests.length;
  const diffs = differences(c, o.sides);
  count.differ += diffs.length;
  count.order += differences(c, o.sides, true).length - diffs.length;
  if (diffs.length) console.log(`seed ${seed}: ${diffs.length} differ${o.notes.length ? ` (notes: ${o.notes.join('; ')})` : ''}\n${await show()}\n${diffs.join('\n')}`);
  else if (verbose) console.log(`seed ${seed}: same\n${await show()}`);
}
console.log(JSON.stringify(count));
