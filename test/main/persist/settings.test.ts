// The service settings (redaction, capture caps) outlive the app: set through the API, they are saved in the app
// state (state.json, written atomically) and are in force again after a restart; a state file with
// settings that setSettings would refuse starts with the defaults (redaction on) and keeps the rest.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AppCore } from '../../../main/persist/boot.ts';
import { statePath } from '../../../main/persist/paths.ts';
import { readAppState } from '../../../main/persist/recent.ts';
import { DEFAULT_REDACTED, DEFAULT_REDACTED_QUERY } from '../../../main/service/redact.ts';
import { DEFAULT_LIMITS } from '../../../main/service/traffic-log.ts';
import { freePort } from '../../helpers/ports.ts';
import type { ServiceSettings } from '../../../app/api/contract.ts';

const root = mkdtempSync(join(tmpdir(), 'switchyard-settings-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function start(dir: string) {
  const { core } = await AppCore.start({ userDataDir: dir, firstRunPort: await freePort(), frameTap: null });
  return core;
}

const CAPS = { payloadPerMessage: DEFAULT_LIMITS.payloadPerMessage, payloadTotal: DEFAULT_LIMITS.payloadTotal, framesPerSession: DEFAULT_LIMITS.framesPerSession };

async function settings(core: AppCore): Promise<ServiceSettings> {
  const r = await core.service.handle('getSettings', {});
  assert.ok(r.ok);
  return r.value as ServiceSettings;
}

test('redaction and capture settings set through the API are saved and restored at the next start', async () => {
  const dir = join(root, 'a');
  const first = await start(dir);
  assert.deepEqual(await settings(first), { redact: true, redactHeaders: DEFAULT_REDACTED, redactQuery: DEFAULT_REDACTED_QUERY, ...CAPS });
  const set = await first.service.handle('setSettings', { redact: false, redactHeaders: ['Authorization', 'X-Api-Key'], redactQuery: ['Sig', 'room'], payloadTotal: 1024 * 1024, framesPerSession: 200 });
  assert.ok(set.ok);
  await first.close(); // waits for the state write
  const saved = JSON.parse(readFileSync(statePath(dir), 'utf8'));
  const mine = { redact: false, redactHeaders: ['authorization', 'x-api-key'], redactQuery: ['sig', 'room'], ...CAPS, payloadTotal: 1024 * 1024, framesPerSession: 200 };
  assert.deepEqual(saved.settings, mine);

  const second = await start(dir);
  assert.deepEqual(await settings(second), mine);
  // a later change replaces the saved one; the recent list is kept alongside
  assert.ok((await second.service.handle('setSettings', { redact: true })).ok);
  await second.close();
  const state = await readAppState(dir);
  assert.deepEqual(state.settings, { ...mine, redact: true });
});

test('a state file from before the capture caps and query redaction were settings keeps its redaction, with the defaults for the rest', async () => {
  const dir = join(root, 'c');
  mkdirSync(dir, { recursive: true });
  writeFileSync(statePath(dir), JSON.stringify({ schemaVersion: 1, recent: [], lastWorkspace: null, settings: { redact: false, redactHeaders: ['x-secret'] } }));
  const core = await start(dir);
  assert.deepEqual(await settings(core), { redact: false, redactHeaders: ['x-secret'], redactQuery: DEFAULT_REDACTED_QUERY, ...CAPS });
  await core.close();
});

test('saved settings that setSettings would refuse are dropped: redaction starts on with the defaults', async () => {
  const dir = join(root, 'b');
  mkdirSync(dir, { recursive: true });
  const other = join(root, 'elsewhere.json');
  writeFileSync(statePath(dir), JSON.stringify({ schemaVersion: 1, recent: [other], lastWorkspace: null, settings: { redact: false, redactHeaders: ['not a header name'] } }));
  const state = await readAppState(dir);
  assert.equal(state.settings, null);
  assert.deepEqual(state.recent, [other]);
  const core = await start(dir);
  assert.deepEqual(await settings(core), { redact: true, redactHeaders: DEFAULT_REDACTED, redactQuery: DEFAULT_REDACTED_QUERY, ...CAPS });
  await core.close();
});
