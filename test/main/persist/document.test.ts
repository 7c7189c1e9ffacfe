// Config documents on disk: atomic saves with a backup, damaged files never overwritten, backups
// used instead with a notice that says where the bad file went.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync, existsSync, rmSync, statSync, chmodSync, symlinkSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadDocument, saveDocument, backupPath } from '../../../main/persist/document.ts';

const root = mkdtempSync(join(tmpdir(), 'switchyard-doc-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fileIn = () => {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  return join(dir, 'config.json');
};

const A = { schemaVersion: 1, upstreams: [], servers: [{ listen: [{ address: '127.0.0.1:8080' }], locations: [] }] };
const B = { schemaVersion: 1, upstreams: [], servers: [{ listen: [{ address: '127.0.0.1:8081' }], locations: [] }] };
const json = (d: unknown) => `${JSON.stringify(d, null, 2)}\n`;

test('save writes the file atomically and keeps the previous version as NAME.bak', async () => {
  const file = fileIn();
  assert.deepEqual(await saveDocument(file, A), { ok: true });
  assert.equal(readFileSync(file, 'utf8'), json(A));
  assert.equal(existsSync(backupPath(file)), false);
  await saveDocument(file, B);
  assert.equal(readFileSync(file, 'utf8'), json(B));
  assert.equal(readFileSync(backupPath(file), 'utf8'), json(A));
  // no temp files left behind
  assert.deepEqual(readdirSync(join(file, '..')).sort(), ['config.json', 'config.json.bak']);
  const loaded = await loadDocument(file);
  assert.deepEqual(loaded, { doc: B, source: 'file', notices: [] });
});

test('a file that does not exist and has no backup loads as nothing, without a notice (first run)', async () => {
  assert.deepEqual(await loadDocument(fileIn()), { doc: null, source: 'none', notices: [] });
});

test('a damaged file is moved aside untouched and the backup loads, with a notice saying where it went', async () => {
  const file = fileIn();
  await saveDocument(file, A);
  await saveDocument(file, B); // .bak = A
  writeFileSync(file, '{ "schemaVersion": 1, "servers": [');
  const loaded = await loadDocument(file);
  assert.equal(loaded.source, 'backup');
  assert.deepEqual(loaded.doc, A);
  const [notice] = loaded.notices;
  assert.equal(notice?.code, 'invalid_json');
  assert.equal(notice?.level, 'error');
  assert.equal(notice?.loadedFrom, backupPath(file));
  assert.match(notice!.badFile!, /config\.json\.corrupt-\d{8}-\d{6}$/);
  assert.equal(readFileSync(notice!.badFile!, 'utf8'), '{ "schemaVersion": 1, "servers": [', 'the bad bytes are kept exactly');
  assert.match(notice!.message, /not valid JSON at line 1/);
  assert.equal(existsSync(file), false);
  // Saving now writes a new file; the good backup is not replaced by anything damaged.
  await saveDocument(file, B);
  assert.equal(readFileSync(file, 'utf8'), json(B));
  assert.equal(readFileSync(backupPath(file), 'utf8'), json(A));
  assert.equal(readFileSync(notice!.badFile!, 'utf8'), '{ "schemaVersion": 1, "servers": [');
});

test('a file that is not UTF-8 is damaged (named byte, kept aside, backup loaded); a byte order mark is not', async () => {
  const file = fileIn();
  await saveDocument(file, A);
  await saveDocument(file, B); // .bak = A
  const bad = Buffer.concat([Buffer.from('{ "schemaVersion": 1, "servers": [], "x": "'), Buffer.from([0xff]), Buffer.from('" }')]);
  writeFileSync(file, bad);
  const loaded = await loadDocument(file);
  assert.deepEqual(loaded.doc, A);
  assert.equal(loaded.notices[0]?.code, 'invalid_encoding');
  assert.match(loaded.notices[0]!.message, /not UTF-8: byte 0xff at offset 43 \(line 1, column 44\)/);
  assert.deepEqual(readFileSync(loaded.notices[0]!.badFile!), bad, 'the bad bytes are kept exactly');
  const bom = fileIn();
  writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json(B))]));
  const withBom = await loadDocument(bom);
  assert.deepEqual([withBom.source, withBom.doc], ['file', B]);
});

test('a damaged file without a usable backup loads nothing and reports both', async () => {
  const file = fileIn();
  writeFileSync(file, '');
  writeFileSync(backupPath(file), 'garbage');
  const loaded = await loadDocument(file);
  assert.equal(loaded.doc, null);
  assert.equal(loaded.source, 'none');
  assert.equal(loaded.notices[0]?.code, 'invalid_json');
  assert.match(loaded.notices[0]!.message, /is empty.*no usable backup/);
  assert.equal(readFileSync(backupPath(file), 'utf8'), 'garbage', 'the backup is not touched either');
});

test('saving over a file that became damaged moves it aside first (never overwritten, never rotated into .bak)', async () => {
  const file = fileIn();
  await saveDocument(file, A);
  await saveDocument(file, A); // .bak = A
  writeFileSync(file, 'hand-edited, broken');
  const r = await saveDocument(file, B);
  assert.equal(r.ok, true);
  assert.ok(r.ok && r.movedAside);
  assert.equal(readFileSync(r.movedAside!, 'utf8'), 'hand-edited, broken');
  assert.equal(readFileSync(file, 'utf8'), json(B));
  assert.equal(readFileSync(backupPath(file), 'utf8'), json(A));
});

test('a missing file with a backup loads the backup with a warning', async () => {
  const file = fileIn();
  writeFileSync(backupPath(file), json(A));
  const loaded = await loadDocument(file);
  assert.equal(loaded.source, 'backup');
  assert.deepEqual(loaded.doc, A);
  assert.equal(loaded.notices[0]?.code, 'missing_file');
  assert.equal(loaded.notices[0]?.level, 'warn');
});

test('a file from a newer Switchyard is not loaded and not overwritten', async () => {
  const file = fileIn();
  writeFileSync(file, json({ schemaVersion: 99, servers: [] }));
  const loaded = await loadDocument(file);
  assert.equal(loaded.doc, null);
  assert.equal(loaded.notices[0]?.code, 'newer_version');
  assert.equal(readFileSync(loaded.notices[0]!.badFile!, 'utf8'), json({ schemaVersion: 99, servers: [] }));
});

test('a parseable but invalid document is not damaged: it loads as is (the UI shows its issues)', async () => {
  const file = fileIn();
  const doc = { schemaVersion: 1, servers: [{ listen: [] }] };
  writeFileSync(file, JSON.stringify(doc));
  assert.deepEqual(await loadDocument(file), { doc, source: 'file', notices: [] });
});

test('saving over a file changed since it was read moves that version aside first (not rotated out through .bak)', async () => {
  const file = fileIn();
  await saveDocument(file, A);
  writeFileSync(file, json(B)); // edited in another editor
  const r = await saveDocument(file, A, { expect: JSON.stringify(A) });
  assert.ok(r.ok && r.changedOutside && r.movedAside);
  assert.match(r.movedAside, /config\.json\.outside-\d{8}-\d{6}$/);
  assert.equal(readFileSync(r.movedAside, 'utf8'), json(B));
  assert.equal(readFileSync(file, 'utf8'), json(A));
  // as expected: the usual save, with the previous version as .bak
  assert.deepEqual(await saveDocument(file, B, { expect: JSON.stringify(A) }), { ok: true });
  assert.equal(readFileSync(backupPath(file), 'utf8'), json(A));
  // one that appeared where there was none
  const fresh = fileIn();
  writeFileSync(fresh, json(B));
  const r2 = await saveDocument(fresh, A, { expect: null });
  assert.ok(r2.ok && r2.changedOutside);
});

test('a save keeps the permissions the file had (a new file is private to its owner)', async () => {
  const file = fileIn();
  await saveDocument(file, A);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  chmodSync(file, 0o644);
  await saveDocument(file, B);
  assert.equal(statSync(file).mode & 0o777, 0o644);
});

test('a pipe, a folder or a file over 64 MiB in the config\'s place is reported, not read (no hang, no crash)', async () => {
  const { execFileSync } = await import('node:child_process');
  const { truncateSync } = await import('node:fs');
  const pipe = fileIn();
  execFileSync('mkfifo', [pipe]);
  const folder = fileIn();
  mkdirSync(folder);
  const big = fileIn();
  writeFileSync(big, '');
  truncateSync(big, 65 * 1024 * 1024);
  for (const [file, code, reason] of [[pipe, 'unreadable_file', 'is not a regular file'], [folder, 'unreadable_file', 'is a folder'], [big, 'file_too_large', 'more than the 64 MiB']] as const) {
    const r = await loadDocument(file);
    assert.equal(r.doc, null, file);
    assert.equal(r.notices[0]?.code, code, JSON.stringify(r.notices));
    assert.ok(r.notices[0]!.message.includes(reason), r.notices[0]!.message);
  }
});

test('opening a file the user picked that is no config leaves it where it is (not moved aside, no backup loaded)', async () => {
  const file = fileIn();
  writeFileSync(file, '{ "compilerOptions": { /* JSONC */ } }\n');
  writeFileSync(backupPath(file), json(A));
  const r = await loadDocument(file, { opening: true });
  assert.equal(r.doc, null);
  assert.equal(r.notices.length, 1);
  assert.match(r.notices[0]!.message, /is not valid JSON at line 1, column \d+: not opened \(the file is left as it is\)$/);
  assert.equal(readFileSync(file, 'utf8'), '{ "compilerOptions": { /* JSONC */ } }\n');
  assert.deepEqual(readdirSync(join(file, '..')).sort(), ['config.json', 'config.json.bak']);
  // a good one opens as before
  writeFileSync(file, json(B));
  assert.deepEqual((await loadDocument(file, { opening: true })).doc, B);
});

test('a load through a symbolic link removes the temporary file a killed save left next to the file it names', async () => {
  const real = fileIn();
  writeFileSync(real, json(A));
  const link = join(dirname(fileIn()), 'config.json');
  symlinkSync(real, link);
  // (what a save killed mid-write leaves: its temp file beside the file written, ten minutes old)
  const stale = join(dirname(real), '.config.json.switchyard-tmp-1-deadbeef');
  writeFileSync(stale, '{"half":');
  const old = new Date(Date.now() - 600_000);
  utimesSync(stale, old, old);
  assert.equal((await loadDocument(link)).source, 'file');
  assert.equal(existsSync(stale), false);
  assert.equal(readFileSync(link, 'utf8'), json(A));
});
