// $hostname on a machine whose host name has capitals: nginx lowercases it (ngx_init_cycle), and so
// must the engine. Runs nginx and the engine in a UTS namespace of their own (`unshare -u`, as
// root, as these machines run the tests: a user namespace would make nginx's workers fail to
// switch to nobody) so the machine's own name is not touched. Needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findNginx } from '../../main/nginx/binary.ts';

const RUN = fileURLToPath(new URL('./hostname-run.ts', import.meta.url));

test('parity: $hostname is the host name in lowercase, as nginx has it', { timeout: 60_000 }, async () => {
  assert.ok(findNginx(), 'nginx not found: apt-get install -y nginx');
  const out = await new Promise<string>((resolve, reject) => {
    execFile('unshare', ['-u', 'sh', '-c', 'hostname Mixed-Case.Example && exec "$0" --import tsx "$1"', process.execPath, RUN], { timeout: 50_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const { nginx, engine } = JSON.parse(out) as { nginx: string; engine: string };
  assert.equal(nginx, '[mixed-case.example]');
  assert.equal(engine, nginx);
});
