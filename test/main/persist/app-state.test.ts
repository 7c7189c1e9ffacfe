// The app's own state file (state.json: recent workspaces, the one open last, capture settings)
// when it is damaged, from a newer Switchyard, or cannot be written: the app starts, says what
// happened, and the file it could not read is kept aside untouched, not overwritten at the next save.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AppCore } from '../../../main/persist/boot.ts';
import { defaultConfigPath, statePath } from '../../../main/persist/paths.ts';
import { freePort } from '../../helpers/ports.ts';
import { poll } from '../../helpers/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'switchyard-app-state-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function startWith(stateText: string | null) {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  if (stateText !== null) writeFileSync(statePath(dir), stateText);
  const started = await AppCore.start({ userDataDir: dir, firstRunPort: await freePort(), frameTap: null });
  return { dir, ...started };
}

const logged = (core: AppCore) => core.service.snapshot().logs.map((l) => l.code);

for (const [what, text, code] of [
  ['cut short', '{"schemaVersion": 1, "recent": ["/w/a.json"], "lastWorkspace": "/w/a.json", "sett', 'invalid_json'],
  ['from a newer Switchyard', JSON.stringify({ schemaVersion: 2, recent: ['/w/a.json'], lastWorkspace: null, settings: null }), 'newer_version'],
] as const) {
  test(`a state file ${what} is reported and moved aside untouched; saving the state then does not lose it`, async () => {
    const { core, notices, dir } = await startWith(text);
    try {
      const notice = notices.find((x) => x.file === statePath(dir));
      assert.ok(notice, JSON.stringify(notices));
      assert.equal(notice.code, code);
      assert.match(notice.message, /recent files and capture settings start from the defaults/);
      assert.ok(notice.badFile && notice.badFile !== statePath(dir));
      assert.equal(readFileSync(notice.badFile, 'utf8'), text);
      assert.ok(logged(core).includes(code), 'the UI log shows it');
      assert.ok((await core.service.handle('setSettings', { redact: false })).ok);
    } finally {
      await core.close();
    }
    assert.equal(JSON.parse(readFileSync(statePath(dir), 'utf8')).settings.redact, false);
    assert.equal(readFileSync(notices.find((x) => x.file === statePath(dir))!.badFile!, 'utf8'), text);
  });
}

test('saved settings that are refused are dropped with a notice', async () => {
  const { core, notices } = await startWith(JSON.stringify({ schemaVersion: 1, recent: [], lastWorkspace: null, settings: { redact: false, redactHeaders: ['not a header'] } }));
  await core.close();
  assert.deepEqual(notices.map((x) => x.code), ['settings_dropped']);
  assert.match(notices[0]!.message, /redaction is on/);
});

test('the workspace open last being gone is said, not silently replaced by the user-data config', async () => {
  const gone = join(root, 'moved-away.json');
  const { core, notices, dir } = await startWith(JSON.stringify({ schemaVersion: 1, recent: [gone], lastWorkspace: gone, settings: null }));
  await core.close();
  assert.equal(core.path, defaultConfigPath(dir));
  assert.deepEqual(notices.map((x) => [x.code, x.file]), [['missing_workspace', gone]]);
  assert.ok(notices[0]!.message.includes(defaultConfigPath(dir)));
});

test('a state file that cannot be written is reported in the log', async () => {
  const { core, dir } = await startWith(null);
  try {
    rmSync(statePath(dir), { force: true }); // (the first start wrote it: the echo server's address)
    mkdirSync(statePath(dir)); // a folder where the file goes: the rename over it fails
    assert.ok((await core.service.handle('setSettings', { redact: false })).ok);
  } finally {
    await core.close();
  }
  const entry = core.service.snapshot().logs.find((l) => l.code === 'state_not_saved');
  assert.ok(entry, JSON.stringify(core.service.snapshot().logs));
  assert.ok(entry.message.includes(statePath(dir)));
});

test('a config file edited outside the app while it runs is kept aside, with a notice, when the app next saves', async () => {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const doc = (name: string) => ({ schemaVersion: 1, upstreams: [], servers: [{ listen: [{ address: `127.0.0.1:${port}` }], serverNames: [name], locations: [{ path: '/', proxyPass: 'http://127.0.0.1:9' }] }] });
  const file = defaultConfigPath(dir);
  writeFileSync(file, JSON.stringify(doc('opened.example')));
  const { core } = await AppCore.start({ userDataDir: dir, frameTap: null });
  try {
    const edited = JSON.stringify(doc('edited-elsewhere.example'));
    writeFileSync(file, edited);
    assert.ok((await core.service.handle('apply', { draft: doc('from-the-ui.example') })).ok);
    assert.ok((await core.service.handle('apply', { draft: doc('again.example') })).ok);
    // (between moving the edited file aside and renaming the new one in, there is no file)
    const text = () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    await poll(text, (t) => t.includes('again.example'));
    // (the notice is reported once its save is done, which the file's text may show first)
    const entry = await poll(() => core.service.snapshot().logs.find((l) => l.code === 'changed_outside'), Boolean);
    assert.ok(entry, JSON.stringify(core.service.snapshot().logs));
    const kept = /moved, untouched, to (\S+) before saving/.exec(entry.message)?.[1];
    assert.ok(kept);
    assert.equal(readFileSync(kept, 'utf8'), edited);
  } finally {
    await core.close();
  }
});

test('--workspace FILE that is no config is left as it is and the user-data config opens; a good one joins Open Recent', async () => {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  const notes = join(dir, 'notes.json');
  writeFileSync(notes, '# not JSON at all\n');
  const bad = await AppCore.start({ userDataDir: dir, workspace: notes, firstRunPort: await freePort(), frameTap: null });
  try {
    assert.equal(readFileSync(notes, 'utf8'), '# not JSON at all\n', 'untouched');
    assert.equal(bad.core.path, defaultConfigPath(dir), 'an Apply saves to the user-data config, not over the file');
    assert.ok(bad.notices.some((x) => x.file === notes && x.level === 'error'), JSON.stringify(bad.notices));
  } finally {
    await bad.core.close();
  }
  const good = join(dir, 'work.json');
  writeFileSync(good, JSON.stringify({ schemaVersion: 1, servers: [] }));
  const ok = await AppCore.start({ userDataDir: dir, workspace: good, frameTap: null });
  try {
    assert.equal(ok.core.path, good);
    assert.deepEqual(ok.core.recent, [good]);
  } finally {
    await ok.core.close();
  }
});

test('unsaved draft edits: none after start, some after an edit, none once saved or applied (what quitting asks about)', async () => {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'work.json');
  const doc = { schemaVersion: 1, upstreams: [], servers: [] };
  writeFileSync(file, JSON.stringify(doc));
  const { core } = await AppCore.start({ userDataDir: dir, workspace: file, frameTap: null });
  try {
    assert.equal(core.hasUnsavedEdits(), false);
    const edited = { ...doc, servers: [{ listen: [{ address: `127.0.0.1:${await freePort()}` }], locations: [] }] };
    assert.ok((await core.service.handle('setDraft', { draft: edited })).ok);
    assert.equal(core.hasUnsavedEdits(), true);
    assert.ok((await core.save()).ok);
    assert.equal(core.hasUnsavedEdits(), false, 'saved to the file');
    const third = { ...doc, upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:9' }] }] };
    assert.ok((await core.service.handle('setDraft', { draft: third })).ok);
    assert.equal(core.hasUnsavedEdits(), true);
    assert.ok((await core.service.handle('apply', { draft: third })).ok);
    assert.equal(core.hasUnsavedEdits(), false, 'applied (and so saved)');
  } finally {
    await core.close();
  }
});

test('an applied config is on disk once the apply answers: closing, or opening another workspace, right after keeps it where it ran', async () => {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  const [w1, w2] = [join(dir, 'w1.json'), join(dir, 'w2.json')];
  const doc = (name: string) => ({ schemaVersion: 1, upstreams: [{ name, servers: [{ address: '127.0.0.1:9' }] }], servers: [] });
  writeFileSync(w1, JSON.stringify(doc('old')));
  writeFileSync(w2, JSON.stringify(doc('second')));
  const upstreamIn = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof doc>).upstreams[0]!.name;
  // (two applies in a row: the live feed sends the second's config in its next batch, 50 ms on)
  const first = await AppCore.start({ userDataDir: dir, workspace: w1, frameTap: null });
  assert.ok((await first.core.service.handle('apply', { draft: doc('a') })).ok);
  assert.ok((await first.core.service.handle('apply', { draft: doc('b') })).ok);
  await first.core.close();
  assert.equal(upstreamIn(w1), 'b', 'the last applied config was saved before close');
  const again = await AppCore.start({ userDataDir: dir, workspace: w1, frameTap: null });
  try {
    assert.ok((await again.core.service.handle('apply', { draft: doc('c') })).ok);
    assert.ok((await again.core.service.handle('apply', { draft: doc('d') })).ok);
    assert.ok((await again.core.open(w2)).ok);
    assert.equal(upstreamIn(w1), 'd', 'saved to the workspace it ran in');
    assert.equal(upstreamIn(w2), 'second', 'the opened workspace keeps its own config');
  } finally {
    await again.core.close();
  }
});

const named = (name: string) => ({ schemaVersion: 1, upstreams: [{ name, servers: [{ address: '127.0.0.1:9' }] }], servers: [] });
const upstreamIn = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof named>).upstreams[0]!.name;

/** Two workspaces, w1 open with its engine's applies slowed to 300 ms; w2 has a problem, so it opens
 * as a draft and no apply of its own saves over whatever reached it. */
async function slowAppliesBesideW2() {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  const [w1, w2] = [join(dir, 'w1.json'), join(dir, 'w2.json')];
  writeFileSync(w1, JSON.stringify(named('w1-original')));
  const w2Text = JSON.stringify({ schemaVersion: 1, upstreams: [{ name: 'w2', servers: [] }], servers: [] });
  writeFileSync(w2, w2Text);
  const { core } = await AppCore.start({ userDataDir: dir, workspace: w1, frameTap: null });
  const engine = core.service.engine;
  const apply = engine.apply.bind(engine);
  engine.apply = async (input, opts) => { await new Promise((r) => setTimeout(r, 300)); return apply(input, opts); };
  return { dir, w1, w2, w2Text, core };
}

test('an apply still running when another workspace opens is saved to the workspace it began in', async () => {
  const { w1, w2, w2Text, core } = await slowAppliesBesideW2();
  try {
    const applying = core.service.handle('apply', { draft: named('w1-edit') });
    await new Promise((r) => setTimeout(r, 50));
    const opened = core.open(w2);
    assert.ok((await applying).ok);
    assert.ok((await opened).ok);
    await core.close();
    assert.equal(upstreamIn(w1), 'w1-edit', 'saved where it was applied');
    assert.equal(readFileSync(w2, 'utf8'), w2Text, 'the opened workspace is untouched');
  } finally {
    await core.close();
  }
});

test('an apply asked for before another workspace opens is saved to its own, even while it waits its turn; a change made outside is still kept aside', async () => {
  const { dir, w1, w2, w2Text, core } = await slowAppliesBesideW2();
  try {
    const first = core.service.handle('apply', { draft: named('w1-a') });
    const queued = core.service.handle('apply', { draft: named('w1-b') }); // waits for the first
    writeFileSync(w1, JSON.stringify(named('edited-outside'))); // meanwhile, an editor saves w1
    await new Promise((r) => setTimeout(r, 50));
    const opened = core.open(w2);
    assert.ok((await first).ok && (await queued).ok && (await opened).ok);
    await core.close();
    assert.equal(readFileSync(w2, 'utf8'), w2Text, 'the opened workspace is untouched');
    assert.equal(upstreamIn(w1), 'w1-b', 'the last apply asked for in w1 is in w1');
    const aside = readdirSync(dir).filter((f) => f.startsWith('w1.json.') && f !== 'w1.json.bak');
    assert.ok(aside.some((f) => readFileSync(join(dir, f), 'utf8').includes('edited-outside')), `the outside edit was kept aside: ${aside.join(', ')}`);
  } finally {
    await core.close();
  }
});
