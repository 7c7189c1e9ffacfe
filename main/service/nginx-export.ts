// The nginx.conf screen's service side: `nginx -t` on an export (the installed nginx, a private
// temporary prefix, bounded in time, one run at a time), and the last export the user took, kept in
// this process's memory for the diff (the workspace file is the config document alone).
import type { LastExportView, NginxCheckView, NginxExportShape, NginxExportSource } from '../../app/api/nginx-views.ts';
import { tmpdir } from 'node:os';
import { nginxTest, privateNginxConf } from '../nginx/binary.ts';

/** Longest an `nginx -t` may run before it is stopped. */
export const NGINX_TEST_TIMEOUT_MS = 10_000;

/** Lines the private wrapper puts before the export (privateNginxConf), so nginx's line numbers can be mapped back. */
export function wrapForTest(text: string, shape: NginxExportShape): { conf: string; offset: number } {
  const marker = '\u0000';
  const wrapped = privateNginxConf(marker, shape === 'full');
  const before = wrapped.slice(0, wrapped.indexOf(marker));
  // wrapped with the text itself: the wrapper also adds to the export's own `http {` line
  return { conf: privateNginxConf(text, shape === 'full'), offset: before.split('\n').length - 1 };
}

/** nginx's messages name its temporary file: name the export and its own line numbers instead (and drop the log's time and pid). */
export function tidyNginxOutput(output: string, offset: number): string {
  // (the temporary folder is under the system's, whose path may have spaces: that one is named as it is)
  const tmp = tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const file = new RegExp(`(?:${tmp}|(?:\\/[^\\s:]*)?)\\/switchyard-nginx-t-[^/\\s]+\\/nginx\\.conf(?::(\\d+))?`, 'g');
  return output.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /gm, 'nginx: $1 ').replace(file, (_m, line: string | undefined) => {
    if (line === undefined) return 'nginx.conf';
    const n = Number(line) - offset;
    return n >= 1 ? `nginx.conf:${n}` : `nginx.conf (Switchyard's test wrapper, line ${line})`;
  });
}

export class NginxExports {
  private last: LastExportView | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private cache: { key: string; view: NginxCheckView } | null = null;

  /** `nginx`: the binary to run, or null when nginx is not installed. */
  constructor(private readonly nginx: () => string | null, private readonly timeoutMs = NGINX_TEST_TIMEOUT_MS) {}

  lastExport(): LastExportView | null {
    return this.last && { ...this.last };
  }

  remember(text: string, how: LastExportView['how'], source: NginxExportSource, shape: NginxExportShape, path: string | null = null): LastExportView {
    this.last = { text, at: Date.now(), how, source, shape, kept: 'memory', path };
    return { ...this.last };
  }

  /** `nginx -t` on `text` (the same text checked again answers from the last run). */
  check(text: string, shape: NginxExportShape): Promise<NginxCheckView> {
    const nginx = this.nginx();
    if (!nginx) {
      return Promise.resolve({ available: false, message: 'nginx is not installed here, so this export was not checked with nginx -t (Debian: apt-get install -y nginx)' });
    }
    const key = `${nginx}\u0000${shape}\u0000${text}`;
    if (this.cache?.key === key) return Promise.resolve(this.cache.view);
    const run = async (): Promise<NginxCheckView> => {
      if (this.cache?.key === key) return this.cache.view;
      const { conf, offset } = wrapForTest(text, shape);
      const started = Date.now();
      const r = await nginxTest(conf, nginx, this.timeoutMs);
      const view: NginxCheckView = { available: true, ok: r.ok, output: tidyNginxOutput(r.output, offset), nginx, durationMs: Date.now() - started };
      this.cache = { key, view };
      return view;
    };
    const next = this.running.then(run, run);
    this.running = next.catch(() => undefined);
    return next;
  }
}
