// The nginx.conf screen's requests: `nginx -t` with the installed nginx (line numbers mapped to the
// export, bounded in time, "not available" without nginx), the last export taken, and saving
// through the desktop shell's dialog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwitchyardService } from '../../../main/service/service.ts';
import { NginxExports, tidyNginxOutput } from '../../../main/service/nginx-export.ts';
import { findNginx } from '../../../main/nginx/binary.ts';
import type { LastExportView, NginxCheckView } from '../../../app/api/contract.ts';
import { FakeEngine } from './fake-engine.ts';
import { unprivilegedNginx } from '../../helpers/nginx-user.ts';

const doc = { schemaVersion: 1, upstreams: [{ name: 'app', servers: [{ address: '127.0.0.1:9001' }] }], servers: [{ listen: [{ address: '127.0.0.1:18080' }], locations: [{ path: '/', proxyPass: 'http://app' }] }] };

function nginxOrFail(): string {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  return nginx;
}

async function make(opts: { nginx?: string | null } = {}) {
  return SwitchyardService.create(new FakeEngine().asEngine(), { initialDraft: doc, initialApplied: true, frameTap: null, ...opts });
}

test('testNginx runs the real nginx -t on the export, full file and snippet', async () => {
  nginxOrFail();
  const service = await make();
  for (const shape of ['full', 'snippet'] as const) {
    const r = await service.handle('testNginx', { source: 'draft', shape });
    assert.ok(r.ok, JSON.stringify(r));
    const v = r.value as NginxCheckView;
    assert.ok(v.available && v.ok, `${shape}: ${JSON.stringify(v)}`);
  }
  const bad = await service.handle('setDraft', { draft: { schemaVersion: 1, servers: [{ listen: [{ address: 'x' }] }] } });
  assert.ok(bad.ok);
  const refused = await service.handle('testNginx', { source: 'draft', shape: 'full' });
  assert.ok(!refused.ok && refused.error.code === 'invalid_config', 'an invalid draft is not exported, so not tested');
  service.close();
});

test('nginx -t failures name the export\'s own line; the same text is not checked twice', async () => {
  const nginx = nginxOrFail();
  const exportsOf = new NginxExports(() => nginx);
  const text = 'server {\n    listen 127.0.0.1:18081;\n    bogus_directive on;\n}\n';
  const v = await exportsOf.check(text, 'snippet');
  assert.ok(v.available && !v.ok);
  assert.match(v.output, /unknown directive "bogus_directive" in nginx\.conf:3$/m);
  assert.match(v.output, /^nginx: \[emerg\] unknown directive/, 'without the log time and pid');
  assert.doesNotMatch(v.output, /switchyard-nginx-t-/, 'no temporary paths');
  assert.equal(await exportsOf.check(text, 'snippet'), v, 'answered from the last run');
  const full = await exportsOf.check(`events {}\nhttp {\n${text}}\n`, 'full');
  assert.ok(full.available && /nginx\.conf:5$/m.test(full.output), full.available ? full.output : '');
});

test('nginx -t runs without root (the built-in access log path, /var/log/nginx, is root\'s), line numbers still the export\'s', async () => {
  const nginx = nginxOrFail();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-nobody-nginx-'));
  try {
    const binary = unprivilegedNginx(dir, nginx);
    const exportsOf = new NginxExports(() => binary);
    const server = 'server {\n    listen 127.0.0.1:18081;\n}\n';
    for (const [text, shape] of [[server, 'snippet'], [`events {}\nhttp {\n${server}}\n`, 'full']] as const) {
      const v = await exportsOf.check(text, shape);
      assert.ok(v.available && v.ok, `${shape}: ${JSON.stringify(v)}`);
    }
    const bad = await exportsOf.check('events {}\nhttp {\nserver {\n    bogus_directive on;\n}\n}\n', 'full');
    assert.ok(bad.available && /unknown directive "bogus_directive" in nginx\.conf:4$/m.test(bad.output), bad.available ? bad.output : '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nginx -t is stopped when it runs too long; without nginx the answer says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-slow-nginx-'));
  try {
    const slow = join(dir, 'nginx');
    writeFileSync(slow, '#!/bin/sh\nsleep 5\n');
    chmodSync(slow, 0o755);
    const started = Date.now();
    const v = await new NginxExports(() => slow, 300).check('events {}\n', 'full');
    assert.ok(v.available && !v.ok);
    assert.match(v.output, /did not finish within 0\.3 s/);
    assert.ok(Date.now() - started < 3000, 'bounded in time');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const service = await make({ nginx: null });
  const r = await service.handle('testNginx', { source: 'applied', shape: 'full' });
  assert.ok(r.ok);
  assert.deepEqual(r.value, { available: false, message: 'nginx is not installed here, so this export was not checked with nginx -t (Debian: apt-get install -y nginx)' });
  service.close();
});

test('the last export taken: remembered in memory; saving needs the desktop shell', async () => {
  const service = await make();
  assert.deepEqual(await service.handle('lastExport', {}), { ok: true, value: null });
  const m = await service.handle('markExported', { text: 'events {}\n', how: 'copy', source: 'draft', shape: 'full' });
  assert.ok(m.ok);
  const last = (await service.handle('lastExport', {})) as { ok: true; value: LastExportView };
  assert.equal(last.value.text, 'events {}\n');
  assert.equal(last.value.how, 'copy');
  assert.equal(last.value.kept, 'memory');
  const bad = await service.handle('markExported', { text: 'x', how: 'steal', source: 'draft', shape: 'full' });
  assert.ok(!bad.ok && bad.error.code === 'bad_params' && /how/.test(bad.error.message));

  const web = await service.handle('saveNginx', { source: 'draft', shape: 'full' });
  assert.ok(!web.ok && web.error.code === 'not_available');
  const written: Array<[string, string]> = [];
  service.setFileSaver(async (name, text) => (written.push([name, text]), written.length === 1 ? null : `/tmp/picked/${name}`));
  const cancelled = await service.handle('saveNginx', { source: 'draft', shape: 'full' });
  assert.deepEqual(cancelled, { ok: true, value: { saved: false } });
  const saved = await service.handle('saveNginx', { source: 'applied', shape: 'snippet' });
  assert.ok(saved.ok);
  const exported = await service.handle('exportNginx', { source: 'applied', shape: 'snippet' });
  assert.ok(exported.ok);
  assert.deepEqual(written[1], ['switchyard.conf', (exported.value as { text: string }).text]);
  const after = (await service.handle('lastExport', {})) as { ok: true; value: LastExportView };
  assert.deepEqual([after.value.how, after.value.path, after.value.text], ['save', '/tmp/picked/switchyard.conf', (exported.value as { text: string }).text]);
  service.close();
});

test('tidyNginxOutput maps wrapper lines and leaves other text alone', () => {
  assert.equal(tidyNginxOutput('nginx: [emerg] x in /tmp/switchyard-nginx-t-AbC/nginx.conf:14', 11), 'nginx: [emerg] x in nginx.conf:3');
  assert.equal(tidyNginxOutput('2026/11/25 10:46:36 [warn] 3604#3604: y', 0), 'nginx: [warn] y');
  assert.equal(tidyNginxOutput('in /tmp/switchyard-nginx-t-AbC/nginx.conf:2', 3), "in nginx.conf (Switchyard's test wrapper, line 2)");
  assert.equal(tidyNginxOutput('file /tmp/switchyard-nginx-t-q/nginx.conf test failed', 0), 'file nginx.conf test failed');
});
