// Shared test models (a module without tests, so importing it registers none).
import type { ConfigInput } from '../../../app/config/schema.ts';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../app/config/validate.ts';
import type { ConfReader } from '../../../app/nginx/include.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';

/** The README's example document. */
export const README_MODEL: ConfigInput = {
  schemaVersion: 1,
  upstreams: [
    {
      name: 'chat',
      method: { type: 'least_conn' },
      keepalive: 16,
      servers: [
        { address: '127.0.0.1:9001', weight: 2 },
        { address: '127.0.0.1:9002', maxFails: 3, failTimeout: '30s' },
        { address: '127.0.0.1:9003', backup: true },
      ],
    },
  ],
  servers: [
    {
      listen: [{ address: '127.0.0.1:8080', defaultServer: true }],
      serverNames: ['localhost'],
      locations: [
        {
          name: 'chat socket',
          path: '/ws/',
          proxyPass: 'http://chat',
          websocket: true,
          proxySetHeader: [
            { name: 'Host', value: '$host' },
            { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' },
          ],
          proxyReadTimeout: '86400s',
        },
        { modifier: '^~', path: '/api/', proxyPass: 'http://127.0.0.1:3000/v1/' },
      ],
    },
  ],
};

export function valid(model: ConfigInput) {
  const v = validateConfig(model);
  if (!v.ok) throw new Error(`invalid model: ${JSON.stringify(v.issues)}`);
  return v.config;
}

/** A ConfReader over in-memory files (path → text), recording each path read; a folder lists the
 * names under it in `files`, or `dirs[folder]` when given. A missing file or folder is ENOENT. */
export function memoryReader(files: Record<string, string>, dirs?: Record<string, string[]>): { reader: ConfReader; reads: string[] } {
  const reads: string[] = [];
  const missing = (p: string) => Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  const reader: ConfReader = {
    read: async (p) => {
      reads.push(p);
      const text = files[p];
      if (text === undefined) throw missing(p);
      return text;
    },
    list: async (d) => {
      const dir = d.replace(/\/$/, '');
      if (dirs) {
        if (!dirs[dir]) throw missing(d);
        return dirs[dir]!;
      }
      return [...new Set(Object.keys(files).filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1).split('/')[0]!))];
    },
  };
  return { reader, reads };
}

/** nginx -t's output for `text` as an http-level snippet; fails the test when nginx is missing or refuses it. */
export async function nginxTakes(text: string): Promise<string> {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  const t = await nginxTest(privateNginxConf(text), nginx);
  assert.ok(t.ok, t.output);
  return t.output;
}
