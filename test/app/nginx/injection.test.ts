// Hostile strings in every user field: each either round-trips exactly (and nginx -t still sees one
// directive with that value) or validateConfig refuses it. Nothing can add a directive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigInput } from '../../../app/config/schema.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { exportNginx } from '../../../app/nginx/export.ts';
import { importNginxText } from '../../../app/nginx/import.ts';
import { parseNginx } from '../../../app/nginx/parser.ts';
import { findNginx, nginxTest, privateNginxConf } from '../../../main/nginx/binary.ts';
import { injectionBase } from '../../helpers/injection-base.ts';

const HOSTILE = [
  'a; return 200 pwned; #', '} server { listen 9; }', '{', '}', '#x', '"', "'", '\\', 'a\\', '\\"; evil;', 'x\\ny', '$host"; b',
  'sp ace', 'tab\there', 'nl\nevil;', 'cr\revil', '\u0000', '${', 'a{b}c', 'é字', '))(', '',
];

const base = injectionBase;

const cases: Array<[string, (s: string) => ConfigInput]> = [
  ['location name', (s) => base({ name: s })],
  ['prefix path', (s) => base({ path: `/${s}` })],
  ['exact path', (s) => base({ modifier: '=', path: `/${s}` })],
  ['regex path', (s) => base({ modifier: '~', path: s })],
  ['header value', (s) => base({ proxySetHeader: [{ name: 'X-A', value: s }] })],
  ['header name', (s) => base({ proxySetHeader: [{ name: s, value: 'v' }] })],
  ['proxy_pass URI', (s) => base({ proxyPass: `http://127.0.0.1:1/${s}` })],
  ['proxy_pass host', (s) => base({ proxyPass: `http://${s}` })],
  ['server name', (s) => base({}, { servers: [{ listen: [{ address: '8080' }], serverNames: [s] }] })],
  ['hash key', (s) => base({}, { upstreams: [{ name: 'u', method: { type: 'hash', key: s }, servers: [{ address: '127.0.0.1:1' }] }] })],
  ['upstream name', (s) => base({ proxyPass: 'http://127.0.0.1:1' }, { upstreams: [{ name: s, servers: [{ address: '127.0.0.1:1' }] }] })],
  ['timeout', (s) => base({ proxyReadTimeout: s })],
  ['upstream address', (s) => base({}, { upstreams: [{ name: 'u', servers: [{ address: s }] }] })],
  ['listen address', (s) => base({}, { servers: [{ listen: [{ address: s }] }] })],
];

for (const [field, make] of cases) {
  test(`hostile ${field}: refused, or exported as exactly one value that round-trips`, async () => {
    let accepted = 0;
    for (const s of HOSTILE) {
      const v = validateConfig(make(s));
      if (!v.ok) continue;
      accepted++;
      const text = exportNginx(v.config, { shape: 'full' });
      // the shape of the file does not depend on the value: same directive count as a harmless value
      const count = (t: string) => JSON.stringify(parseNginx(t).directives, (k, val) => (k === 'args' || k === 'comments' || k === 'line' || k === 'column' ? undefined : val));
      const plain = validateConfig(make('x'));
      // ('' can make the path "/", which replaces the export's explicit no-match 404 location)
      if (plain.ok && s !== '') assert.equal(count(text), count(exportNginx(plain.config, { shape: 'full' })), `${JSON.stringify(s)} changed the structure:\n${text}`);
      const back = importNginxText(text);
      assert.deepEqual(back.warnings, []);
      assert.deepEqual(back.config, v.config, `${JSON.stringify(s)} did not round-trip:\n${text}`);
      if (findNginx()) {
        const r = await nginxTest(privateNginxConf(text, true));
        assert.ok(r.ok, `${field} ${JSON.stringify(s)} passed validation but nginx -t refused:\n${r.output}\n${text}`);
      }
    }
    assert.ok(accepted >= 0);
  });
}

test('control characters are refused in every string field', () => {
  for (const [field, make] of cases) {
    for (const s of ['a\nb', 'a\rb', 'a\u0001b', 'a\u007fb']) {
      assert.equal(validateConfig(make(s)).ok, false, `${field} accepted ${JSON.stringify(s)}`);
    }
  }
});

test('a literal "$" is refused where values are scripts', () => {
  assert.equal(validateConfig(base({ proxySetHeader: [{ name: 'X', value: 'cost: 5$' }] })).ok, false);
  assert.equal(validateConfig(base({ proxySetHeader: [{ name: 'X', value: '$nope' }] })).ok, false);
  assert.equal(validateConfig(base({}, { upstreams: [{ name: 'u', method: { type: 'hash', key: '$' }, servers: [{ address: '127.0.0.1:1' }] }] })).ok, false);
});

// nginx reads its config through a 4096-byte buffer: an argument longer than that as written
// (UTF-8, quotes and escapes included) fails nginx -t with "too long parameter", and that is the only
// length limit: text outside ASCII and escaped quotes make a value of fewer characters too long, and
// ASCII text is taken up to it.
test('an argument too long for nginx\'s 4096-byte config buffer is refused; the longest accepted passes nginx -t', { timeout: 60_000 }, async () => {
  const long: Array<[string, (n: number) => ConfigInput]> = [
    ['header value (ASCII)', (n) => base({ proxySetHeader: [{ name: 'X-A', value: 'a'.repeat(n) }] })],
    ['route name, a comment (ASCII)', (n) => base({ name: 'a'.repeat(n) })],
    ['route name, a comment (é, 2 bytes)', (n) => base({ name: 'é'.repeat(n) })],
    ['hash key (ASCII)', (n) => base({}, { upstreams: [{ name: 'u', method: { type: 'hash', key: `$uri/${'a'.repeat(n)}` }, servers: [{ address: '127.0.0.1:1' }] }] })],
    ['prefix path (ASCII)', (n) => base({ path: `/${'a'.repeat(n)}` })],
    ['proxy_pass URI (ASCII)', (n) => base({ proxyPass: `http://127.0.0.1:1/${'a'.repeat(n)}` })],
    ['header value (é, 2 bytes)', (n) => base({ proxySetHeader: [{ name: 'X-A', value: 'é'.repeat(n) }] })],
    ['header value (", escaped)', (n) => base({ proxySetHeader: [{ name: 'X-A', value: '"'.repeat(n) }] })],
    ['prefix path (日, 3 bytes)', (n) => base({ path: `/${'日'.repeat(n)}` })],
    ['regex path (日, 3 bytes)', (n) => base({ modifier: '~', path: '日'.repeat(n) })],
    ['proxy_pass URI (日, 3 bytes)', (n) => base({ proxyPass: `http://127.0.0.1:1/${'日'.repeat(n)}` })],
  ];
  for (const [field, make] of long) {
    // the largest n that validation accepts: nginx -t must accept it; n + 1 is refused as too_long
    let n = 1;
    while (validateConfig(make(n + 1)).ok) n++;
    const refused = validateConfig(make(n + 1));
    assert.deepEqual(refused.ok ? [] : refused.issues.map((i) => i.code), ['too_long'], `${field}: ${n + 1} refused for another reason`);
    const ok = validateConfig(make(n));
    assert.ok(ok.ok);
    const r = await nginxTest(privateNginxConf(exportNginx(ok.config, { shape: 'full' }), true));
    assert.ok(r.ok, `${field} x ${n}: check accepts, nginx -t refuses:\n${r.output}`);
  }
});
