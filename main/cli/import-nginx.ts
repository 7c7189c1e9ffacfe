// `switchyard import-nginx FILE... [--out FILE]`: nginx.conf (with its includes) → a Switchyard
// config document. Every directive that is not carried over is reported on stderr with file:line;
// so is every problem validation finds in the result. Exit 0 unless a file cannot be read or parsed.
import type { Writable } from 'node:stream';
import { writeOutputFile } from './output-file.ts';
import { ConfReadError, importNginx, type ConfReader } from '../../app/nginx/import.ts';
import { NginxSyntaxError } from '../../app/nginx/parser.ts';
import { formatIssue } from '../config/load.ts';
import { printable } from '../../app/text/printable.ts';
import { ConfFileError, fsReader } from '../nginx/conf-reader.ts';
import { errnoWords } from '../../app/text/errno.ts';

export interface ImportNginxOptions {
  files: string[];
  out?: string;
  stdout: Writable;
  stderr: Writable;
  reader?: ConfReader;
}

export async function importNginxCommand(o: ImportNginxOptions): Promise<number> {
  if (o.files.length === 0) {
    o.stderr.write('import-nginx needs at least one nginx configuration file\n');
    return 2;
  }
  let result;
  // every file read (includes too): the output must not replace one of them
  const read = new Set<string>(o.files);
  const reader = o.reader ?? fsReader;
  const recording: ConfReader = { ...reader, read: (path) => (read.add(path), reader.read(path)) };
  try {
    result = await importNginx(o.files, recording);
  } catch (e) {
    if (e instanceof NginxSyntaxError || e instanceof ConfFileError || e instanceof ConfReadError) o.stderr.write(`${printable(e.message)}\n`);
    else o.stderr.write(`cannot read ${o.files.join(', ')}: ${(e as NodeJS.ErrnoException).code ? errnoWords((e as NodeJS.ErrnoException).code!) : (e as Error).message}\n`);
    return 1;
  }
  // (a file's own text, escaped: an imported file may come from anywhere)
  for (const w of result.warnings) o.stderr.write(`${printable(`${w.file}:${w.line}: ${w.directive}: ${w.message}`)}\n`);
  for (const i of result.issues) o.stderr.write(`${i.source ? printable(`${i.source.file}:${i.source.line}: `) : ''}${formatIssue(i)}\n`);
  const summary = `imported ${result.config.servers.length} server(s), ${result.config.upstreams.length} upstream(s); ${result.warnings.length} warning(s)` +
    (result.issues.length ? `; the result has ${result.issues.length} validation error(s) to fix before use` : '');
  const json = `${JSON.stringify(result.config, null, 2)}\n`;
  if (o.out) {
    if (!(await writeOutputFile(o.out, json, read, o.stderr))) return 1;
    o.stderr.write(`${summary}; wrote ${o.out}\n`);
  } else {
    o.stdout.write(json);
    o.stderr.write(`${summary}\n`);
  }
  return 0;
}
