// Child process for crash-safety.test.ts: saves two large configs, A and B, alternately into one
// file until killed (bounded: at most 20 000 saves or 60 s). Prints "ready" after its first save.
import { saveDocument } from '../../../main/persist/document.ts';
import { bigConfig } from './big-config.ts';

const file = process.argv[2]!;
const docs = [bigConfig('A'), bigConfig('B')];
const until = Date.now() + 60_000;
for (let i = 0; i < 20_000 && Date.now() < until; i++) {
  const r = await saveDocument(file, docs[i % 2]);
  if (!r.ok) {
    process.stderr.write(`${r.code}: ${r.message}\n`);
    process.exit(1);
  }
  if (i === 0) process.stdout.write('ready\n');
}
