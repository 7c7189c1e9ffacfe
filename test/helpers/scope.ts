// Per-file test resources that are closed after the file's tests, last started first.
import { after } from 'node:test';
import { startEngine, type TestEngine } from './engine.ts';
import { startHttpUpstream, startWsUpstream, type Upstream } from './upstreams.ts';

export function testScope() {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  return {
    defer(fn: () => Promise<void>): void {
      cleanup.push(fn);
    },
    async engine(build: Parameters<typeof startEngine>[0]): Promise<TestEngine> {
      const e = await startEngine(build);
      cleanup.push(e.stop);
      return e;
    },
    async http(name: string, handler?: Parameters<typeof startHttpUpstream>[1]): Promise<Upstream> {
      const u = await startHttpUpstream(name, handler);
      cleanup.push(u.close);
      return u;
    },
    async ws(name: string, opts?: Parameters<typeof startWsUpstream>[1]) {
      const u = await startWsUpstream(name, opts);
      cleanup.push(u.close);
      return u;
    },
  };
}
