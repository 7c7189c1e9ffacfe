// Shared test models (a module without tests, so importing it registers none).
import type { ConfigInput } from '../../../app/config/schema.ts';
import { validateConfig } from '../../../app/config/validate.ts';

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
