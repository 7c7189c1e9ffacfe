// Switching between two busy sessions in Chromium (each page's feed subscription watches the open
// session's frames only, watchFrames): once traffic stops, the page's frame log holds exactly the
// rows the service logged for the open session (none missing, none twice), and so does a second
// page that stays on the other session. Real engine, web host, `ws` echo upstream and clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { until } from '../helpers/wait.ts';
import { echoUiHost } from './echo-ui.ts';

const env = echoUiHost();

const client = (path: string) => env.counting(path);

const openSession = (page: Page, path: string) => page.locator('tbody tr').filter({ hasText: path }).click();

test('switching between two busy sessions 20 times: the open log ends with every row the service has', { timeout: 180_000 }, async () => {
  assert.ok((await env.ui.service.handle('setSettings', { framesPerSession: 1_000_000 })).ok);
  const a = await client('/ws/a');
  const b = await client('/ws/b');
  let sending = true;
  let n = 0;
  const pump = setInterval(() => {
    if (!sending) return;
    for (let i = 0; i < 5; i++) { a.ws.send(`a ${n}`); b.ws.send(`b ${n}`); n++; }
  }, 5);
  const { context, page, errors } = await env.ui.open();
  const other = await env.ui.open();
  const shown = async (p: Page) => (await p.getByTestId('frame-count').innerText()).replace(/\D/g, '');
  /** Whether page `p` comes to show every row the service logged for session `path`. */
  async function showsAll(p: Page, path: string, what: string): Promise<void> {
    const r = await env.ui.service.handle('session', { id: ids.get(path)! });
    assert.ok(r.ok);
    const logged = String((r.value as { frames: unknown[] }).frames.length);
    for (let t = 0; t < 100 && (await shown(p)) !== logged; t++) await p.waitForTimeout(50);
    assert.equal(await shown(p), logged, `${what}: rows on the page against the service's log`);
  }
  const ids = new Map<string, number>();
  try {
    await page.goto(`${env.ui.host.url}#/sessions`);
    for (const s of (await env.ui.service.handle('sessions', {}) as { ok: true; value: Array<{ id: number; url: string }> }).value) ids.set(s.url, s.id);
    await other.page.goto(`${env.ui.host.url}#/sessions/${ids.get('/ws/b')}`);
    for (let round = 0; round < 20; round++) {
      const path = round % 2 ? '/ws/b' : '/ws/a';
      await openSession(page, path);
      await page.waitForTimeout(round % 3 === 0 ? 0 : 60);
      if (round % 5 === 4) {
        sending = false;
        // (every message echoed: the service logged both ways of each)
        await until(() => a.echoes() === n && b.echoes() === n, 10_000);
        await showsAll(page, path, `round ${round} ${path}`);
        await showsAll(other.page, '/ws/b', `round ${round}, the page that stays on /ws/b`);
        sending = true;
      }
    }
    assert.deepEqual([...errors, ...other.errors], []);
  } finally {
    clearInterval(pump);
    await context.close();
    await other.context.close();
  }
});
