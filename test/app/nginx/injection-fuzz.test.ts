// Random strings in every user-typed field of the model, salted with what could break out of an
// nginx argument (";", "{", "}", quotes, "$", "#", backslashes, line breaks, NUL, non-ASCII, Unicode
// spaces and controls). Each value is refused by validation, or exported so that real nginx -t
// takes the file, the file has the same directives as with a harmless value (nothing added), and
// the importer reads back the very same config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConfigInput } from '../../../app/config/schema.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { importNginxText } from '../../../app/nginx/import.ts';
import { parseNginx } from '../../../app/nginx/parser.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';
import { injectionBase } from '../../helpers/injection-base.ts';

const SALT = [
  ' ', '\t', '\n', '\r', '\0', ';', '{', '}', '#', '"', "'", '\\', '$', '(', ')', '*', '~', '^', '=', '@', '/', ':', '[', ']',
  '.', '-', '_', ',', '?', '%', '&', '|', '!', '`', '<', '>', '+', 'a', 'Z', '0', '9', 'n', 't', 'r', 's', 'm', 'k', 'h',
  'é', '字', '😀', '\u00a0', '\u2028', '\u202e', '\ufeff', '\u0085',
];
const text = fc.array(fc.constantFrom(...SALT), { maxLength: 14 }).map((a) => a.join(''));
/** Header values and hash keys are scripts: text with variables in it. */
const script = fc.array(fc.oneof(text, fc.constantFrom('$host', '${host}', '$uri', '$1', '$http_x_a', '$arg_q', '${')), { maxLength: 3 }).map((a) => a.join(''));

const base = injectionBase;
const upstream = (server: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:1', ...server }], ...more }] });

/** Each field: its name, random values, the config with a value, a harmless value (the default
 * 'x'), and the directive the field is written as when it is written only where it differs from
 * nginx's default (a value may land on the default, "1" + "m", and leave it out: not an injection). */
const FIELDS: Array<[string, fc.Arbitrary<string>, (s: string) => ConfigInput, string?, string?]> = [
  ['location name', text, (s) => base({ name: s })],
  ['prefix path', text, (s) => base({ path: `/${s}` })],
  ['exact path', text, (s) => base({ modifier: '=', path: `/${s}` })],
  ['^~ path', text, (s) => base({ modifier: '^~', path: `/${s}` })],
  ['regex path', text, (s) => base({ modifier: '~', path: s })],
  ['case-insensitive regex path', text, (s) => base({ modifier: '~*', path: s })],
  ['header name', text, (s) => base({ proxySetHeader: [{ name: s, value: 'v' }] })],
  ['header value', script, (s) => base({ proxySetHeader: [{ name: 'X-A', value: s }] })],
  ['proxy_pass URI', text, (s) => base({ proxyPass: `http://127.0.0.1:1/${s}` })],
  ['proxy_pass after an address', text, (s) => base({ proxyPass: `http://127.0.0.1:1${s}` }), '/'],
  ['proxy_pass after an upstream name', text, (s) => base({ proxyPass: `http://u${s}` }), ''],
  ['server name', text, (s) => base({}, { servers: [{ listen: [{ address: '8080' }], serverNames: [s] }] })],
  ['hash key', script, (s) => base({}, upstream({}, { method: { type: 'hash', key: s } }))],
  ['upstream name', text, (s) => base({ proxyPass: 'http://127.0.0.1:1' }, { upstreams: [{ name: `u${s}`, servers: [{ address: '127.0.0.1:1' }] }] })],
  ['upstream server address', text, (s) => base({}, upstream({ address: `127.0.0.1${s}` }))],
  ['fail_timeout', text, (s) => base({}, upstream({ failTimeout: `1${s}` })), 's'],
  ['proxy_read_timeout', text, (s) => base({ proxyReadTimeout: `1${s}` }), 's', 'proxy_read_timeout'],
  ['proxy_connect_timeout', text, (s) => base({ proxyConnectTimeout: `1${s}` }), 's', 'proxy_connect_timeout'],
  ['proxy_send_timeout', text, (s) => base({ proxySendTimeout: `5s${s}` }), '', 'proxy_send_timeout'],
  ['client_max_body_size', text, (s) => base({ clientMaxBodySize: `1${s}` }), 'm', 'client_max_body_size'],
  ['listen address', text, (s) => base({}, { servers: [{ listen: [{ address: `127.0.0.1:80${s}` }] }] }), ''],
];

/** The file's directives and blocks without their arguments and comments, and without directive
 * `omit` (the field's own, written or not): what a value must not change. */
const shape = (t: string, omit?: string) => JSON.stringify(parseNginx(t).directives, (k, v) => {
  if (['args', 'comments', 'endComments', 'line', 'column'].includes(k)) return undefined;
  return Array.isArray(v) && omit ? v.filter((d: { name?: unknown }) => d?.name !== omit) : v;
});

const SAMPLES = 120;

for (const [field, arbitrary, make, harmless = 'x', omit] of FIELDS) {
  test(`random ${field}: refused, or exported so that nginx -t takes it and it imports back the same`, { timeout: 120_000 }, async () => {
    const nginx = findNginx();
    assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
    const plain = validateConfig(make(harmless));
    assert.ok(plain.ok, `${field}: the harmless value is refused`);
    const plainShape = shape(exportNginx(plain.config, { shape: 'full' }), omit);
    let accepted = 0;
    await fc.assert(fc.asyncProperty(arbitrary, async (s) => {
      const v = validateConfig(make(s));
      if (!v.ok) return;
      accepted++;
      for (const kind of ['full', 'snippet'] as const) {
        const out = exportNginx(v.config, { shape: kind });
        const back = importNginxText(out);
        assert.deepEqual(back.issues, [], `${JSON.stringify(s)}:\n${out}`);
        assert.deepEqual(back.config, v.config, `${JSON.stringify(s)} did not import back the same:\n${out}`);
        // ('' and '/' make the prefix "/", which replaces the export's explicit 404 location)
        if (kind === 'full' && !/^\/?$/.test(s)) assert.equal(shape(out, omit), plainShape, `${JSON.stringify(s)} changed the directives:\n${out}`);
      }
      const r = await nginxTest(privateNginxConf(exportNginx(v.config, { shape: 'full' }), true), nginx);
      // (a host name nginx cannot resolve here is `check`'s resolve_failed; the name is still one plain word)
      const unresolved = /host not found in upstream "([A-Za-z0-9_.-]+)(:\d+)?"/.exec(r.output);
      assert.ok(r.ok || unresolved, `${field} ${JSON.stringify(s)}: validation accepts it, nginx -t refuses:\n${r.output}`);
    }), { numRuns: SAMPLES });
    assert.ok(accepted > 0, `${field}: no random value was accepted, so nothing was checked`);
  });
}
