// `switchyard verify --config FILE`: validate, export the complete nginx.conf into a temporary
// folder and run `nginx -t` on it when nginx is installed (saying so plainly when it is not).
import type { Writable } from 'node:stream';
import { loadConfigFile, formatIssue, migrationNote } from '../config/load.ts';
import { issueCount } from '../../app/config/issues.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { findNginx, nginxEnvProblem, nginxTest } from '../nginx/binary.ts';
import { tidyNginxOutput, wrapForTest } from '../service/nginx-export.ts';

export interface VerifyOptions {
  config: string;
  stdout: Writable;
  stderr: Writable;
  /** The nginx binary; default: findNginx(). null = behave as if nginx were not installed. */
  nginx?: string | null;
}

/** 0: valid and accepted by nginx -t (or nginx is absent, which is said); 1: invalid or refused by nginx. */
export async function verifyCommand(o: VerifyOptions): Promise<number> {
  const r = await loadConfigFile(o.config);
  o.stderr.write(migrationNote(o.config, r));
  if (!r.ok) {
    for (const i of r.issues) o.stderr.write(`${formatIssue(i)}\n`);
    o.stderr.write(`${o.config}: ${issueCount(r.issues)} error(s)\n`);
    return 1;
  }
  o.stdout.write(`${o.config}: valid\n`);
  const envProblem = o.nginx === undefined ? nginxEnvProblem() : null;
  if (envProblem) {
    o.stderr.write(`${envProblem}: the exported nginx.conf was NOT checked; set it to nginx's path, or unset it to use the nginx on PATH\n`);
    return 1;
  }
  const nginx = o.nginx === undefined ? findNginx() : o.nginx;
  if (!nginx) {
    o.stdout.write('nginx is not installed: the exported nginx.conf was NOT checked with nginx -t (apt-get install -y nginx)\n');
    return 0;
  }
  // The private prelude (pid, error_log, and access_log off on the http line) lets nginx -t run without root.
  // (nginx's messages then name the export's own lines, as `export-nginx` prints it, not the temporary file's)
  const { conf, offset } = wrapForTest(exportNginx(r.config, { shape: 'full' }), 'full');
  const t = await nginxTest(conf, nginx);
  if (!t.ran) {
    o.stderr.write(`${t.output}: the exported nginx.conf was NOT checked\n`);
    return 1;
  }
  if (!t.ok) {
    o.stderr.write(`nginx -t refused the exported configuration (line numbers of \`switchyard export-nginx --config ${o.config}\`):\n${tidyNginxOutput(t.output, offset)}\n`);
    return 1;
  }
  o.stdout.write(`nginx -t (${nginx}): the exported nginx.conf is accepted\n`);
  return 0;
}
