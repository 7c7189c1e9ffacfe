// The config the nginx export injection tests vary one field of: one upstream `u`, one server on
// 127.0.0.1:8080 with one location / proxying to it (`loc` and `extra` change or add fields).
import type { ConfigInput } from '../../app/config/schema.ts';

export function injectionBase(loc: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): ConfigInput {
  return {
    schemaVersion: 1,
    upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:1' }] }],
    servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [{ path: '/', proxyPass: 'http://u', ...loc }] }],
    ...extra,
  } as ConfigInput;
}
