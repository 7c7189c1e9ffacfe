// Run shell commands (third-party HTTP clients, with $PORT for the proxy's port, $BIG and $MID for
// upload files, $CLIENTS_PY for Python's clients) through nginx and the engine, as
// client-tools.test.ts does, and print those whose output differs (SHOW=1: every one):
//   node --import tsx test/parity/client-tools-explore.ts "curl -sS -v http://127.0.0.1:\$PORT/p/echo" ...
import { runBoth } from './client-tools.ts';

const commands = process.argv.slice(2);
const got = await runBoth(commands);
let diffs = 0;
commands.forEach((c, i) => {
  const same = got.nginx[i] === got.engine[i];
  if (!same) diffs++;
  if (!same || process.env.SHOW) console.log(`=== ${c}\n--- nginx\n${got.nginx[i]}\n--- engine\n${got.engine[i]}\n`);
});
console.log(`${diffs} of ${commands.length} differ`);
