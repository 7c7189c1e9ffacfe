// An answer held back on its way to the page: the first request to `url` reaches the web host at
// once, and its answer comes to the page when the test releases it (later requests pass as usual).
import type { Page } from 'playwright-core';
import { until } from '../helpers/wait.ts';

export interface HeldAnswer {
  /** Whether the request was made (its answer now held). */
  asked(): boolean;
  /** Let the answer go, and wait until the page has it. */
  release(): Promise<void>;
}

export async function holdAnswer(page: Page, url: string): Promise<HeldAnswer> {
  let asked = false;
  let answered = false;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route(url, async (route) => {
    if (asked) return route.continue();
    asked = true;
    const response = await route.fetch();
    await held;
    await route.fulfill({ response });
    answered = true;
  });
  return {
    asked: () => asked,
    async release() {
      release();
      await until(() => answered, 10_000);
    },
  };
}
