// What a directive nginx does not know was likely meant to be: one or two slips from one the importer
// reads, and said in the import's warning (test/parity/directive-shape.test.ts runs nginx on these).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meantDirective } from '../../../app/nginx/directive-shape.ts';
import { importNginxText } from '../../../app/nginx/import.ts';
import { MISSPELT } from './shape-cases.ts';

test('a slip of a directive the importer reads is named; a real directive, a short or a far one is not', () => {
  for (const [typo, meant] of MISSPELT) assert.equal(meantDirective(typo), meant, typo);
  assert.equal(meantDirective('PROXY_PAS'), 'proxy_pass');
  for (const name of ['gzip', 'proxy_pass', 'keepalive_requests', 'proxy_hide_header', 'proxy_bind', 'least_time', 'index', 'map', 'lsn', 'foo_bar']) assert.equal(meantDirective(name), null, name);
});

test('the import says it beside the usual "not modelled: dropped"', () => {
  const r = importNginxText('http { server { listen 8080; location / { proxy_pas http://127.0.0.1:1; gzip on; } } }', 'n.conf');
  const said = r.warnings.map((w) => w.message);
  assert.ok(said.includes('"proxy_pas" in location / is not modelled by Switchyard: dropped (did you mean "proxy_pass"? nginx -t refuses a directive it does not know)'), JSON.stringify(said));
  assert.ok(said.includes('"gzip" in location / is not modelled by Switchyard: dropped'), JSON.stringify(said));
});
