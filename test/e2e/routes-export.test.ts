// The route tester and the nginx.conf screen in real chromium against the real web host: the
// tester answers live on the draft (location, 301, URI, headers, upgrade, invalid draft), and the
// export shows highlighted under the strict CSP, passes the real `nginx -t`, copies, downloads and
// diffs against the last export. Screenshots go to test-results/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/ports.ts';
import { findNginx } from '../../main/nginx/binary.ts';
import { startUiHost, type UiHost } from './ui-host.ts';
import { validateConfig } from '../../app/config/validate.ts';

let ui: UiHost;
let port: number;

before(async () => {
  assert.ok(findNginx(), 'nginx must be installed for these tests (apt-get install -y nginx)');
  port = await freePort();
  ui = await startUiHost({
    schemaVersion: 1,
    upstreams: [{ name: 'chat', method: { type: 'least_conn' }, servers: [{ address: '127.0.0.1:9101', weight: 2 }, { address: '127.0.0.1:9102' }] }],
    servers: [{
      listen: [{ address: `127.0.0.1:${port}`, defaultServer: true }],
      serverNames: ['app.test'],
      locations: [
        { name: 'site', path: '/', proxyPass: 'http://127.0.0.1:9100' },
        { modifier: '^~', path: '/api/', proxyPass: 'http://127.0.0.1:9100/v1/', proxySetHeader: [{ name: 'Host', value: '$host' }, { name: 'X-Forwarded-For', value: '$proxy_add_x_forwarded_for' }, { name: 'X-Proxy', value: '$hostname' }] },
        { name: 'chat socket', path: '/ws/', proxyPass: 'http://chat', websocket: true, proxyReadTimeout: '1h' },
        { modifier: '~*', path: '\\.(png|jpg)$', proxyPass: 'http://127.0.0.1:9100' },
      ],
    }],
  });
}, { timeout: 180_000 });

after(async () => {
  await ui?.close();
});

const outcome = (page: Page) => page.getByTestId('rt-outcome');

test('route tester: location, URI and headers live as you type, on the draft', { timeout: 90_000 }, async () => {
  const { context, page, errors } = await ui.open();
  await page.getByTestId('open-route-tester').click();
  await page.getByTestId('rt-empty').waitFor();
  assert.ok(await page.getByTestId('rt-url').evaluate((el) => el === el.ownerDocument.activeElement), 'the URL field has the focus');

  // ^~ prefix with a proxy_pass URI: the prefix is replaced; $host and X-Forwarded-For evaluated
  await page.getByTestId('rt-url').fill('/api/users.png?id=7');
  await page.getByTestId('rt-location-explain').getByText('longest prefix ^~ /api/ (^~ stops regex search)').waitFor();
  assert.equal(await page.getByTestId('rt-upstream-line').textContent(), 'GET /v1/users.png?id=7 HTTP/1.0');
  const headers = page.getByTestId('rt-headers-out');
  assert.equal(await headers.locator('tr[data-header="Host"] td').nth(1).textContent(), '127.0.0.1');
  await page.getByTestId('rt-client').fill('192.0.2.10');
  await headers.locator('tr[data-header="X-Forwarded-For"]').getByText('192.0.2.10', { exact: true }).waitFor();
  // $hostname: the engine machine's, as the feed tells the page (it was empty, and the header left out)
  assert.equal(await headers.locator('tr[data-header="X-Proxy"] td').nth(1).textContent(), hostname().toLowerCase());
  await page.getByTestId('tester-hit').waitFor(); // the matched location is marked in the list
  assert.equal(await page.locator('.row.loc.hit').getAttribute('data-testid'), 'location-0-1');

  // A full URL with Host from it; a regex location; a WebSocket upgrade through the switch
  await page.getByTestId('rt-url').fill(`http://app.test:${port}/img/logo.PNG`);
  await page.getByTestId('rt-server').getByText('server_name app.test (exact)').waitFor();
  await page.getByTestId('rt-location-explain').getByText('regex ~* \\.(png|jpg)$ (first matching regex, declared 4th)').waitFor();
  await page.getByTestId('rt-url').fill(`ws://127.0.0.1:${port}/ws/room`);
  await page.getByTestId('rt-upgrade').getByText('upgrade forwarded').waitFor();
  assert.equal(await page.getByTestId('rt-upstream-line').textContent(), 'GET /ws/room HTTP/1.1');
  assert.equal(await headers.locator('tr[data-header="Host"] td').nth(1).textContent(), 'chat', 'Host $proxy_host: the upstream name');
  await ui.shot(page, 'route-tester');

  // nginx's own answers: the auto-redirect and a 400; input problems name the field
  await page.getByTestId('rt-url').fill('/ws?x=1');
  await page.getByTestId('rt-redirect').getByText(`http://127.0.0.1:${port}/ws/?x=1`).waitFor();
  await page.getByTestId('rt-url').fill('/../etc');
  await outcome(page).getByText('client sent invalid request').waitFor();
  await page.getByTestId('rt-url').fill('https://app.test/');
  assert.equal(await page.getByTestId('rt-input-error').getAttribute('data-field'), 'url');
  assert.ok(await page.getByTestId('rt-url').evaluate((el) => el.classList.contains('invalid')));
  // each field the problem is about is invalid to a screen reader too, the message its description
  await page.getByTestId('rt-url').fill('/api/x');
  await page.getByTestId('rt-client').fill('not-an-ip');
  assert.equal(await page.getByTestId('rt-input-error').innerText(), '"not-an-ip" is not an IPv4 or IPv6 address');
  assert.deepEqual(await page.getByTestId('rt-client').evaluate((el) => [el.getAttribute('aria-invalid'), el.getAttribute('aria-describedby'), el.classList.contains('invalid')]), ['true', 'rt-input-error', true]);
  assert.equal(await page.getByTestId('rt-url').getAttribute('aria-invalid'), null);
  await page.getByTestId('rt-client').fill('192.0.2.10');

  // It runs on the draft: an edit changes the answer, an invalid draft says so
  await page.getByTestId('rt-url').fill('/api/x');
  await page.getByTestId('rt-location-link').click();
  await page.getByTestId('location-editor').waitFor();
  assert.equal(await page.getByTestId('loc-path').inputValue(), '/api/');
  await page.getByTestId('loc-path').fill('/v2/');
  await page.getByTestId('rt-location-explain').getByText('longest prefix / (no regex matched)').waitFor();
  await page.getByTestId('loc-path').fill('v2');
  await page.getByTestId('rt-invalid-draft').getByText('The draft has 1 problem').waitFor();
  await page.getByTestId('rt-invalid-draft').getByText('servers[0].locations[1].path: a prefix or exact location must start with "/"').waitFor();
  await page.getByTestId('loc-path').fill('/api/');
  await page.getByTestId('rt-location-explain').getByText('^~ /api/').waitFor();

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('rt-url').fill(`http://127.0.0.1:${port}/api/orders?page=2`);
  await page.getByTestId('rt-upstream-line').getByText('GET /v1/orders?page=2 HTTP/1.0').waitFor();
  await ui.shot(page, 'route-tester-dark');
  await page.keyboard.press('Escape');
  await page.getByTestId('route-tester').waitFor({ state: 'detached' });
  assert.deepEqual(errors, [], 'no page errors');
  await context.close();
});

test('Download JSON: the draft, edits included, as a config file that validates', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui.open();
  await page.getByTestId('location-0-1').click();
  await page.getByTestId('loc-path').fill('/api/v2/');
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-config').click()]);
  assert.equal(d.suggestedFilename(), 'switchyard.json');
  const doc = JSON.parse(readFileSync((await d.path())!, 'utf8')) as { schemaVersion: number; servers: Array<{ locations: Array<{ path: string }> }> };
  assert.equal(doc.schemaVersion, 1);
  assert.equal(doc.servers[0]!.locations[1]!.path, '/api/v2/', 'the draft, not the running config');
  const v = validateConfig(doc);
  assert.ok(v.ok, JSON.stringify(v));
  assert.deepEqual(errors, [], 'no page errors');
  await context.close();
  // back as it was, for the other tests: the page sends its draft 300 ms after an edit, so an edit
  // undone just before closing it may never reach the service (the service keeps /api/v2/)
  await ui.service.handle('revertDraft', {});
});

async function confText(page: Page): Promise<string> {
  return page.getByTestId('nginx-conf').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
}

test('nginx.conf: highlighted under the strict CSP, nginx -t passes, copy, download and the diff since the last export', { timeout: 120_000 }, async () => {
  const { context, page, errors } = await ui.open({ permissions: ['clipboard-read', 'clipboard-write'] });
  await page.locator('[data-tab="nginx"]').click();
  const conf = page.getByTestId('nginx-conf');
  await conf.getByText('upstream chat').waitFor();
  const running = (await ui.service.handle('exportNginx', { source: 'applied', shape: 'full' })) as { ok: true; value: { text: string } };
  assert.equal(await confText(page), running.value.text, 'the view shows the export, line for line (the last line is empty)');

  // CodeMirror's highlighting: a directive has the keyword colour, a comment the comment colour
  const colourOf = (text: string) => conf.locator('.cm-line span').filter({ hasText: new RegExp(`^${text}$`) }).first().evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color);
  const plain = await conf.evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color);
  const keyword = await colourOf('proxy_pass');
  const comment = await conf.locator('.cm-line span').filter({ hasText: '# route: site' }).first().evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).color);
  assert.notEqual(keyword, plain, 'directives are highlighted');
  assert.notEqual(comment, plain, 'comments are highlighted');
  assert.notEqual(comment, keyword);
  assert.equal(await page.locator('.cm-gutters .cm-gutterElement', { hasText: /^12$/ }).count(), 1, 'line numbers');

  // nginx -t with Debian's nginx
  await page.locator('[data-testid="nginx-check"][data-state="ok"]').waitFor({ timeout: 20_000 });
  assert.ok(await page.getByTestId('view-diff').isDisabled(), 'no diff before anything was exported');

  // Copy: the clipboard has the text, and it becomes the last export
  await page.getByTestId('copy').click();
  await page.getByTestId('export-notice').getByText('Copied').waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()), running.value.text);
  await page.getByTestId('view-diff').click();
  await page.getByTestId('diff-same').waitFor();

  // Edit the draft: a new location, a changed timeout; the diff shows them against the copy
  await page.locator('[data-tab="routes"]').click();
  await page.getByTestId('add-location-0').click();
  await page.getByTestId('loc-path').fill('/metrics/');
  await page.getByTestId('location-0-2').click();
  await page.getByTestId('loc-read-timeout').fill('2h');
  assert.ok(await page.getByTestId('loc-buffering').isChecked(), 'proxy_buffering is on by default, as in nginx');
  await page.getByTestId('loc-buffering').uncheck();
  await page.getByTestId('location-0-2').getByText('unbuffered').waitFor();
  await page.locator('[data-tab="nginx"]').click();
  await page.getByTestId('export-source').selectOption('draft');
  await page.getByTestId('view-diff').click();
  const diff = page.getByTestId('nginx-diff');
  await diff.locator('tr[data-kind="add"]').filter({ hasText: 'location /metrics/ {' }).waitFor();
  await diff.locator('tr[data-kind="del"]').filter({ hasText: 'proxy_read_timeout 1h;' }).waitFor();
  await diff.locator('tr[data-kind="add"]').filter({ hasText: 'proxy_read_timeout 2h;' }).waitFor();
  await diff.locator('tr[data-kind="add"]').filter({ hasText: 'proxy_buffering off;' }).waitFor();
  assert.match(await page.getByTestId('view-diff').textContent() ?? '', /\+6 −1/);
  const fold = diff.locator('button[data-testid^="diff-fold-"]').first();
  assert.match(await fold.textContent() ?? '', /unchanged lines/);
  await page.locator('[data-testid="nginx-check"][data-state="ok"]').waitFor({ timeout: 20_000 });
  await ui.shot(page, 'nginx-diff');
  await fold.click();
  await page.emulateMedia({ colorScheme: 'dark' });
  await ui.shot(page, 'nginx-diff-dark');

  // Save in a browser: a download of nginx.conf, which becomes the last export
  await page.getByTestId('view-file').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save').click()]);
  assert.equal(download.suggestedFilename(), 'nginx.conf');
  const saved = readFileSync((await download.path())!, 'utf8');
  assert.match(saved, /location \/metrics\/ \{/);
  await page.getByTestId('export-notice').getByText('Downloaded as nginx.conf').waitFor();
  await page.getByTestId('view-diff').click();
  await page.getByTestId('diff-same').waitFor();
  await page.getByTestId('view-file').click();
  await conf.getByText('location /metrics/').waitFor();
  // Save at once after choosing the snippet: the snippet's text under its name, not the full file's
  await page.getByTestId('export-shape').selectOption('snippet');
  const [snippet] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save').click()]);
  assert.doesNotMatch(readFileSync((await snippet.path())!, 'utf8'), /^events \{/m, snippet.suggestedFilename());
  await page.getByTestId('export-shape').selectOption('full');
  await conf.getByText('events {}').waitFor();
  await ui.shot(page, 'nginx-conf-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await ui.shot(page, 'nginx-conf-highlighted');
  assert.deepEqual(errors, [], 'no page errors and no CSP violations');
  await context.close();
});

test('nginx -t failure: the badge turns red and nginx\'s message names the export\'s line', { timeout: 90_000 }, async () => {
  const { context, page, errors } = await ui.open();
  // valid for Switchyard, refused by nginx: an upstream host nginx cannot resolve
  await page.locator('[data-tab="upstreams"]').click();
  await page.getByTestId('upstream-0').click();
  await page.getByTestId('server-address-1').fill('no-such-host.invalid:9102');
  await page.locator('[data-tab="nginx"]').click();
  await page.getByTestId('export-source').selectOption('draft');
  await page.locator('[data-testid="nginx-check"][data-state="failed"]').waitFor({ timeout: 30_000 });
  const out = page.getByTestId('nginx-check-output');
  const message = (await out.textContent()) ?? '';
  const line = /nginx\.conf:(\d+)/.exec(message);
  assert.ok(line, message);
  const text = await confText(page);
  assert.match(text.split('\n')[Number(line[1]) - 1] ?? '', /no-such-host\.invalid/, 'the line nginx names is the one with the host');
  await ui.shot(page, 'nginx-check-failed');
  assert.deepEqual(errors, []);
  await context.close();
});

test('an nginx.conf whose draft is too large for the page says both sizes in MiB (it said "5.2 MB" beside "2 MiB", counting in 1024s)', { timeout: 90_000 }, async () => {
  // (a draft with edits would make the import ask first, and the page's dialog is dismissed)
  await ui.service.handle('revertDraft', {});
  const { context, page, errors } = await ui.open();
  await page.locator('[data-tab="nginx"]').click();
  // 1,200 locations of 2,000-character paths: a draft of more than 2.2 MiB as JSON (few locations
  // keep the import's own work small)
  const locations = Array.from({ length: 1_200 }, (_, i) => `    location /${'x'.repeat(2_000)}/${i}/ { proxy_pass http://127.0.0.1:9; }`).join('\n');
  const conf = `events {}\nhttp {\n  server {\n    listen 127.0.0.1:${port};\n${locations}\n  }\n}\n`;
  await page.getByTestId('nginx-import-file').setInputFiles([{ name: 'nginx.conf', mimeType: 'text/plain', buffer: Buffer.from(conf) }]);
  const notice = page.getByTestId('export-notice').filter({ hasText: 'Cannot import nginx.conf' });
  await notice.waitFor({ timeout: 60_000 });
  assert.match(await notice.innerText(), /the draft it makes is \d+\.\d MiB as JSON, more than the 2 MiB the page may send/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Import… on the nginx.conf screen: the picked nginx.conf and the file it includes become the draft; what did not carry over is listed', { timeout: 90_000 }, async () => {
  await ui.service.handle('revertDraft', {});
  const { context, page, errors } = await ui.open();
  await page.locator('[data-tab="nginx"]').click();
  const conf = [
    'events {}',
    'http {',
    '  upstream backend { least_conn; server 127.0.0.1:9301; server 127.0.0.1:9302 backup; }',
    '  include sites/site.conf;', // (picked with it: found by its name)
    '  gzip on;',
    '}',
  ].join('\n');
  const site = `server {\n  listen 127.0.0.1:${port};\n  server_name imported.test;\n  location / { proxy_pass http://backend/; }\n}\n`;
  await page.getByTestId('nginx-import-file').setInputFiles([
    { name: 'nginx.conf', mimeType: 'text/plain', buffer: Buffer.from(conf) },
    { name: 'site.conf', mimeType: 'text/plain', buffer: Buffer.from(site) },
  ]);
  await page.getByTestId('export-notice').getByText('Imported nginx.conf into the draft: 1 server and 1 upstream; review it, then apply.').waitFor();
  // not carried over, and said (and nothing else: the include found its file by name)
  await page.getByTestId('nginx-import-details').getByText('nginx.conf:5: gzip: "gzip" in http is not modelled by Switchyard: dropped').waitFor();
  assert.equal(await page.getByTestId('nginx-import-details').locator('li').count(), 1);
  assert.equal(await page.getByTestId('export-source').inputValue(), 'draft');
  await page.getByTestId('nginx-conf').getByText('upstream backend').waitFor();
  await ui.shot(page, 'nginx-import');
  // the draft reached the service (the page sends it as any edit)
  const deadline = Date.now() + 5000;
  type Draft = { upstreams: Array<{ name: string }>; servers: Array<{ serverNames: string[] }> };
  let draft: Draft | null = null;
  while (Date.now() < deadline) {
    const s = await ui.service.handle('getConfig', {});
    draft = s.ok ? (s.value as { draft: Draft }).draft : null;
    if (draft?.servers[0]?.serverNames[0] === 'imported.test') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(draft?.servers[0]?.serverNames[0], 'imported.test');
  assert.equal(draft?.upstreams[0]?.name, 'backend');
  // files picked one by one have no folders: an include pattern in one matches nothing, and says so
  page.once('dialog', (d) => void d.accept()); // (the draft now has edits not applied: replacing them is asked)
  await page.getByTestId('nginx-import-file').setInputFiles([
    { name: 'nginx.conf', mimeType: 'text/plain', buffer: Buffer.from('events {}\nhttp {\n  include conf.d/*.conf;\n}\n') },
    { name: 'up.conf', mimeType: 'text/plain', buffer: Buffer.from('upstream backend { server 127.0.0.1:9301; }\n') },
  ]);
  await page.getByTestId('nginx-import-details').getByText(/^include conf\.d\/…: files picked one by one have no folders/).waitFor();
  // a folder picked (as /etc/nginx, with include patterns) is read as nginx reads it
  const tree = mkdtempSync(join(tmpdir(), 'nginx-tree-'));
  mkdirSync(join(tree, 'nginx', 'conf.d'), { recursive: true });
  mkdirSync(join(tree, 'nginx', 'sites-enabled'), { recursive: true });
  mkdirSync(join(tree, 'nginx', 'snippets'), { recursive: true });
  writeFileSync(join(tree, 'nginx', 'nginx.conf'), 'events {}\nhttp {\n  include conf.d/*.conf;\n  include sites-enabled/*;\n}\n');
  writeFileSync(join(tree, 'nginx', 'conf.d', 'up.conf'), 'upstream backend { server 127.0.0.1:9301; }\n');
  writeFileSync(join(tree, 'nginx', 'sites-enabled', 'default'), site.replace('location / {', 'location / {\n    include snippets/timeouts.conf;'));
  writeFileSync(join(tree, 'nginx', 'snippets', 'timeouts.conf'), 'proxy_send_timeout 5s;\n');
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('nginx-import-folder').setInputFiles(join(tree, 'nginx'));
  await page.getByTestId('nginx-import-details').waitFor({ state: 'detached' }); // carried over whole
  await page.getByTestId('export-notice').getByText('Imported nginx.conf into the draft: 1 server and 1 upstream; review it, then apply.').waitFor();
  const viaCli = spawnSync(process.execPath, ['bin/switchyard.js', 'import-nginx', join(tree, 'nginx', 'nginx.conf')], { encoding: 'utf8' });
  rmSync(tree, { recursive: true, force: true });
  const cliLoc = (JSON.parse(viaCli.stdout) as { servers: Array<{ locations: Array<Record<string, unknown>> }> }).servers[0]!.locations[0]!;
  for (let waited = 0; waited < 5000; waited += 100) {
    const st = await ui.service.handle('getConfig', {});
    const loc = st.ok ? (st.value as { draft: { servers: Array<{ locations: Array<Record<string, unknown>> }> } }).draft.servers[0]?.locations[0] : undefined;
    if (loc?.proxySendTimeout === '5s') {
      assert.deepEqual({ proxyPass: loc.proxyPass, proxySendTimeout: loc.proxySendTimeout }, { proxyPass: cliLoc.proxyPass, proxySendTimeout: cliLoc.proxySendTimeout }, 'as the CLI imports it');
      break;
    }
    assert.ok(waited < 4900, 'the folder import reached the service');
    await new Promise((r) => setTimeout(r, 100));
  }
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('nginx-import-file').setInputFiles([{ name: 'latin1.conf', mimeType: 'text/plain', buffer: Buffer.from([...Buffer.from('server { server_name caf'), 0xe9, ...Buffer.from('.test; }')]) }]);
  await page.getByTestId('export-notice').getByText(/^Cannot import latin1\.conf: latin1\.conf: not UTF-8: byte 0xe9 at offset 24 \(line 1, column 25\)/).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
  await ui.service.handle('revertDraft', {});
});

test('an import names the control characters of the file (a NUL, U+202E) instead of showing them', { timeout: 60_000 }, async () => {
  await ui.service.handle('revertDraft', {});
  const { context, page, errors } = await ui.open();
  await page.locator('[data-tab="nginx"]').click();
  // (a NUL in a word: the refusal quoted it raw, so that it read `unknown directive " }"`)
  await page.getByTestId('nginx-import-file').setInputFiles([{ name: 'nul.conf', mimeType: 'text/plain', buffer: Buffer.from('server {\0}') }]);
  await page.getByTestId('export-notice').getByText('Cannot import nul.conf: nul.conf:1:9: unknown directive "\\x00}"').waitFor();
  // (a directive name with U+202E: its warning line read reversed after it)
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('nginx-import-file').setInputFiles([{ name: 'bidi.conf', mimeType: 'text/plain', buffer: Buffer.from('server { listen 8080; gzip\u202e on; }') }]);
  await page.getByTestId('export-notice').getByText(/^Imported bidi\.conf into the draft/).waitFor();
  const notice = await page.getByTestId('nginx-import-details').innerText();
  assert.ok(notice.includes('gzip\\u202e'), `the directive's U+202E is named: ${notice}`);
  assert.ok(!/[\u0000\u202e]/.test(notice), 'and not in the text');
  assert.deepEqual(errors, []);
  await context.close();
  await ui.service.handle('revertDraft', {});
});

test('an export with the built-in echo upstream says it means nothing deployed', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await ui.open();
  await page.locator('[data-tab="nginx"]').click();
  await page.getByTestId('export-source').selectOption('draft');
  assert.equal(await page.getByTestId('echo-note').count(), 0, 'no note without it');
  const st = await ui.service.handle('getConfig', {});
  assert.ok(st.ok);
  const draft = structuredClone((st.value as { draft: { upstreams: unknown[] } }).draft);
  draft.upstreams.push({ name: 'switchyard_echo', servers: [{ address: '127.0.0.1:40001' }] });
  await ui.service.handle('setDraft', { draft });
  await page.getByTestId('echo-note').getByText(/^Note: upstream "switchyard_echo" is Switchyard's built-in echo server, .* before deploying this file\.$/).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
  await ui.service.handle('revertDraft', {});
});
