// A `switchyard ui` for browser tests: the real engine, service and web host (uiCommand) on a
// config file written for the test, the renderer built fresh, Debian's chromium, and the page's
// errors collected (a CSP violation is a console error).
import { before, after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { uiCommand } from '../../main/cli/ui.ts';
import type { WebHost } from '../../main/web/host.ts';
import type { SwitchyardService } from '../../main/service/service.ts';
import { buildRenderer, launchChromium, screenshotDir } from './browser.ts';

export interface UiHost {
  browser: Browser;
  host: WebHost;
  service: SwitchyardService;
  /** A page on the UI (after the feed is live), with its console errors and page errors collected. */
  open(opts?: { colorScheme?: 'light' | 'dark'; permissions?: string[] }): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startUiHost(config: unknown): Promise<UiHost> {
  const browser = await launchChromium(); // first: no browser, nothing else started
  const rendererDir = await buildRenderer();
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
  const configFile = join(tmp, 'switchyard.json');
  writeFileSync(configFile, JSON.stringify(config));
  const stop = new AbortController();
  let service!: SwitchyardService;
  let done!: Promise<number>;
  const ready = new Promise<WebHost>((resolve) => {
    done = uiCommand({ config: configFile, stdout: new PassThrough(), stderr: new PassThrough(), rendererDir, signal: stop.signal, onReady: (h, s) => { service = s; resolve(h); } });
  });
  const host = await Promise.race([ready, done.then((code) => { throw new Error(`ui exited with ${code}`); })]);
  const shots = screenshotDir();
  return {
    browser, host, service,
    async open(opts = {}) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, colorScheme: opts.colorScheme ?? 'light' });
      if (opts.permissions) await context.grantPermissions(opts.permissions, { origin: `http://127.0.0.1:${host.port}` });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) errors.push(m.text()); });
      await page.goto(host.url);
      await page.getByTestId('status-bar').getByText('live', { exact: true }).waitFor();
      return { context, page, errors };
    },
    async shot(page, name) {
      await page.screenshot({ path: join(shots, `${name}.png`) });
    },
    async close() {
      await browser.close();
      stop.abort();
      await done;
      for (const d of [rendererDir, tmp]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** A UI host on `config` for a test file: started before its tests (`env.ui`), closed after them. */
export function uiHostFor(config: unknown): { ui: UiHost } {
  const env = { ui: undefined as unknown as UiHost };
  before(async () => {
    env.ui = await startUiHost(config);
  }, { timeout: 180_000 });
  after(async () => {
    await env.ui?.close();
  });
  return env;
}
