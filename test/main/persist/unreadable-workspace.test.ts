// Files the app keeps that it cannot read as a config: only a damaged one it keeps itself is ever
// moved aside. The workspace open last is opened as File > Open opens one (a hand edit that broke
// it leaves it where it is); a folder or device in a config's place is never moved; a newer
// Switchyard's file is not saved over; and an applied config whose save failed is said, counts as
// unsaved, and is saved by the next apply.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, readdirSync, statSync, symlinkSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { AppCore } from '../../../main/persist/boot.ts';
import { defaultConfigPath, statePath } from '../../../main/persist/paths.ts';
import { loadDocument, saveDocument } from '../../../main/persist/document.ts';
import { freePort } from '../../helpers/ports.ts';
import { poll } from '../../helpers/wait.ts';

const root = mkdtempSync(join(tmpdir(), 'switchyard-unreadable-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const dir = join(root, String(n++));
  mkdirSync(dir, { recursive: true });
  return dir;
};
const rememberIn = (dir: string, workspace: string) => writeFileSync(statePath(dir), JSON.stringify({ schemaVersion: 1, recent: [workspace], lastWorkspace: workspace, settings: null }));
const logged = (core: AppCore) => core.service.snapshot().logs.map((l) => l.code);

test('the workspace open last, broken by a hand edit, is left as it is: the user-data config opens instead, and says why', async () => {
  const dir = fresh();
  const work = join(dir, 'proj', 'work.json');
  mkdirSync(join(dir, 'proj'));
  const text = '{ "schemaVersion": 1, "servers": [], }\n';
  writeFileSync(work, text);
  writeFileSync(`${work}.bak`, JSON.stringify({ schemaVersion: 1, servers: [] }));
  rememberIn(dir, work);
  const { core, notices } = await AppCore.start({ userDataDir: dir, firstRunPort: await freePort(), frameTap: null });
  try {
    assert.equal(core.path, defaultConfigPath(dir));
    assert.equal(readFileSync(work, 'utf8'), text, 'untouched');
    assert.deepEqual(readdirSync(join(dir, 'proj')).sort(), ['work.json', 'work.json.bak'], 'nothing moved aside');
    assert.ok(notices.some((x) => x.file === work && x.code === 'invalid_json'), JSON.stringify(notices));
    assert.ok(notices.some((x) => x.code === 'workspace_not_opened' && x.message.includes(work)));
    assert.ok(logged(core).includes('workspace_not_opened'), 'the UI log shows it');
  } finally {
    await core.close();
  }
  assert.equal(readFileSync(work, 'utf8'), text, 'no save went over it');
});

test('a folder, a pipe or a newer Switchyard\'s file in a config\'s place is never moved, nor saved over', async () => {
  const dir = fresh();
  const folder = join(dir, 'proj');
  mkdirSync(join(folder, 'src'), { recursive: true });
  writeFileSync(join(folder, 'src', 'a.txt'), 'hi');
  rememberIn(dir, folder);
  const started = await AppCore.start({ userDataDir: dir, firstRunPort: await freePort(), frameTap: null });
  await started.core.close();
  assert.ok(statSync(folder).isDirectory() && readFileSync(join(folder, 'src', 'a.txt'), 'utf8') === 'hi', 'the folder is where it was');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('corrupt')), []);

  const pipe = join(dir, 'pipe.json');
  execFileSync('mkfifo', [pipe]);
  const newer = join(dir, 'newer.json');
  const newerText = JSON.stringify({ schemaVersion: 99, servers: [] });
  writeFileSync(newer, newerText);
  for (const file of [pipe, newer]) {
    const r = await loadDocument(file);
    assert.equal(r.doc, null);
    assert.equal(r.notices[0]!.badFile, file, 'left where it is');
    assert.match(r.notices[0]!.message, /left untouched at .* \(Switchyard will not save over it\)/);
    const saved = await saveDocument(file, { schemaVersion: 1, servers: [] });
    assert.deepEqual([saved.ok, !saved.ok && saved.code], [false, 'bad_file_in_place']);
  }
  assert.ok(statSync(pipe).isFIFO());
  assert.equal(readFileSync(newer, 'utf8'), newerText);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('corrupt')), []);
});

test('an applied config whose save failed is said, counts as unsaved, and the next apply saves it', async () => {
  const dir = fresh();
  const work = join(dir, 'work.json');
  writeFileSync(work, JSON.stringify({ schemaVersion: 1, servers: [] }));
  const { core } = await AppCore.start({ userDataDir: dir, workspace: work, frameTap: null });
  try {
    // something else takes the file's place: the save cannot go there
    rmSync(work);
    mkdirSync(work);
    const doc = { schemaVersion: 1, upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:9' }] }], servers: [] };
    assert.ok((await core.service.handle('apply', { draft: doc })).ok);
    await poll(async () => logged(core), (codes) => codes.includes('bad_file_in_place'));
    const said = core.service.snapshot().logs.find((l) => l.code === 'bad_file_in_place')!;
    assert.match(said.message, /^the applied config was not saved: .*work\.json is a folder/);
    assert.equal(core.hasUnsavedEdits(), true, 'quitting asks: what runs is not in the file');
    rmSync(work, { recursive: true });
    // the same config applied again is saved this time
    assert.ok((await core.service.handle('apply', { draft: doc })).ok);
    await poll(async () => logged(core), (codes) => codes.includes('saved'));
    assert.deepEqual(JSON.parse(readFileSync(work, 'utf8')), doc);
    assert.equal(core.hasUnsavedEdits(), false);
  } finally {
    await core.close();
  }
});

test('a config that is a symbolic link stays one: a save replaces the file it names, and the backup is next to the link', async () => {
  const dir = fresh();
  const real = join(dir, 'dotfiles', 'real.json');
  mkdirSync(join(dir, 'dotfiles'));
  const A = { schemaVersion: 1, servers: [] };
  const B = { schemaVersion: 1, upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:9' }] }], servers: [] };
  writeFileSync(real, JSON.stringify(A));
  const link = join(dir, 'config.json');
  symlinkSync(real, link);
  assert.ok((await saveDocument(link, B)).ok);
  assert.ok(lstatSync(link).isSymbolicLink(), 'still a link');
  assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), B);
  assert.deepEqual(JSON.parse(readFileSync(`${link}.bak`, 'utf8')), A);
  assert.deepEqual((await loadDocument(link)).doc, B);
});

test('through a symbolic link, the file it names is what is moved aside (damaged, or changed outside), and the link stays one; a link to nothing yet is said, and a save makes its file', async () => {
  const dir = fresh();
  mkdirSync(join(dir, 'dotfiles'));
  const real = join(dir, 'dotfiles', 'real.json');
  const link = join(dir, 'config.json');
  symlinkSync(real, link);
  const A = { schemaVersion: 1, servers: [] };
  const B = { schemaVersion: 1, upstreams: [{ name: 'u', servers: [{ address: '127.0.0.1:9' }] }], servers: [] };
  // nothing there yet: said; the save makes the file the link names
  const none = await loadDocument(link);
  assert.equal(none.doc, null);
  assert.match(none.notices[0]!.message, new RegExp(`is a link to ${real.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, which is not there`));
  assert.ok((await saveDocument(link, A)).ok);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), A);
  // damaged: the named file goes aside next to itself, the link stays and the next save goes through it
  writeFileSync(real, '{ broken');
  const damaged = await loadDocument(link);
  assert.ok(damaged.notices[0]!.badFile!.startsWith(`${real}.corrupt-`), damaged.notices[0]!.badFile);
  assert.equal(readFileSync(damaged.notices[0]!.badFile!, 'utf8'), '{ broken');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.ok((await saveDocument(link, B)).ok);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual(JSON.parse(readFileSync(real, 'utf8')), B);
  // changed outside since it was read: that version goes aside as a file, not the link
  writeFileSync(real, JSON.stringify(A));
  const r = await saveDocument(link, B, { expect: JSON.stringify(B) });
  assert.ok(r.ok && r.changedOutside && r.movedAside!.startsWith(`${real}.outside-`));
  assert.ok(lstatSync(r.movedAside!).isFile());
  assert.deepEqual(JSON.parse(readFileSync(r.movedAside!, 'utf8')), A);
  assert.ok(lstatSync(link).isSymbolicLink());
});

test('a config applied again after the file was saved with another draft is saved over it', async () => {
  const dir = fresh();
  const work = join(dir, 'work.json');
  const X = { schemaVersion: 1, upstreams: [], servers: [] };
  const Y = { schemaVersion: 1, upstreams: [{ name: 'y', servers: [{ address: '127.0.0.1:9' }] }], servers: [] };
  writeFileSync(work, JSON.stringify(X));
  const { core } = await AppCore.start({ userDataDir: dir, workspace: work, frameTap: null });
  try {
    assert.ok((await core.service.handle('setDraft', { draft: Y })).ok);
    assert.ok((await core.save()).ok);
    assert.deepEqual(JSON.parse(readFileSync(work, 'utf8')), Y);
    // X still runs; applied again, it is what the file holds
    assert.ok((await core.service.handle('apply', { draft: X })).ok);
    const onDisk = await poll(async () => JSON.parse(readFileSync(work, 'utf8')) as unknown, (doc) => JSON.stringify(doc) === JSON.stringify(X));
    assert.deepEqual(onDisk, X);
    assert.equal(core.hasUnsavedEdits(), false);
  } finally {
    await core.close();
  }
});
