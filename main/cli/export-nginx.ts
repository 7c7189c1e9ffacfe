// `switchyard export-nginx --config FILE [--out FILE] [--snippet]`: the model as nginx.conf text
// (a complete file, or with --snippet the http-level part to include in an existing http block).
import type { Writable } from 'node:stream';
import { writeOutputFile } from './output-file.ts';
import { loadConfigFile, formatIssue, migrationNote } from '../config/load.ts';
import { issueCount } from '../../app/config/issues.ts';
import { exportNginx } from '../../app/nginx/export.ts';
import { echoExportNote } from '../../app/config/echo.ts';

export interface ExportNginxOptions {
  config: string;
  out?: string;
  snippet: boolean;
  stdout: Writable;
  stderr: Writable;
}

export async function exportNginxCommand(o: ExportNginxOptions): Promise<number> {
  const r = await loadConfigFile(o.config);
  o.stderr.write(migrationNote(o.config, r));
  if (!r.ok) {
    for (const i of r.issues) o.stderr.write(`${formatIssue(i)}\n`);
    o.stderr.write(`${o.config}: ${issueCount(r.issues)} error(s); nothing exported\n`);
    return 1;
  }
  const text = exportNginx(r.config, { shape: o.snippet ? 'snippet' : 'full' });
  const echo = echoExportNote(r.config);
  if (echo) o.stderr.write(`${o.config}: note: ${echo}\n`);
  if (!o.out) {
    o.stdout.write(text);
    return 0;
  }
  if (!(await writeOutputFile(o.out, text, [o.config], o.stderr))) return 1;
  o.stderr.write(`wrote ${o.out}\n`);
  return 0;
}
