// nginx as a developer without root runs it, for tests that check Switchyard's nginx runs need no root.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The nginx binary to run: `nginx` itself when the tests run without root; as root, a wrapper in
 * `dir` that runs it as "nobody" (letting it read the private folder nginx -t is given as its
 * fourth argument, `-p DIR`).
 */
export function unprivilegedNginx(dir: string, nginx: string): string {
  if (process.getuid?.() !== 0) return nginx;
  const wrapper = join(dir, 'nginx-as-nobody');
  writeFileSync(wrapper, `#!/bin/sh\nchmod -R a+rwX "$4"\nexec runuser -u nobody -- ${nginx} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}
