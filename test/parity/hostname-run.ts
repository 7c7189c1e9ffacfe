// Run by hostname.test.ts inside its own UTS namespace (`unshare -u`, the host name set there):
// prints the $hostname nginx and the engine send upstream, as JSON.
import { withEngine, withNginx } from './harness.ts';
import type { ConfigInput } from '../../app/config/schema.ts';
import { startHttpUpstream, header, rawExchange } from '../helpers/upstreams.ts';
import { freePorts } from '../helpers/ports.ts';

const up = await startHttpUpstream('u');
const [port] = await freePorts(1);
const model: ConfigInput = {
  schemaVersion: 1,
  servers: [{ listen: [{ address: `127.0.0.1:${port}` }], locations: [{ path: '/', proxyPass: `http://127.0.0.1:${up.port}`, proxySetHeader: [{ name: 'X-H', value: '[$hostname]' }] }] }],
};
const run = async () => {
  up.seen.length = 0;
  await rawExchange(port!, 'GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
  return header(up.seen[0]!, 'x-h');
};
try {
  const nginx = await withNginx(model, port!, run);
  const engine = await withEngine(model, run);
  process.stdout.write(JSON.stringify({ nginx, engine }));
} finally {
  await up.close();
}
