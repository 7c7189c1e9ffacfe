// A stand-in for the Engine in unit tests of the service and the web host: the same events and
// query methods, driven by the test. Integration tests (test/e2e) use the real Engine.
import { EventEmitter } from 'node:events';
import type { Engine } from '../../../main/engine/engine.ts';
import type { ExchangeRecord, SessionRecord } from '../../../main/engine/events.ts';

export class FakeEngine extends EventEmitter {
  applied: unknown[] = [];
  live = new Map<number, { record: SessionRecord; client: { bytesRead: number }; upstream: { bytesRead: number }; close(reason: string): void }>();
  failApply = false;

  async apply(doc: unknown) {
    if (this.failApply) return { ok: false as const, issues: [{ path: '', code: 'resolve_failed', message: 'cannot resolve' }] };
    this.applied.push(doc);
    return { ok: true as const, listeners: [{ key: '127.0.0.1:1', host: '127.0.0.1', port: 1, state: 'listening' as const }] };
  }
  listenerStatus() { return [{ key: '127.0.0.1:1', host: '127.0.0.1', port: 1, state: 'listening' as const }]; }
  liveSessions() { return [...this.live.values()].map((l) => l.record); }
  liveSession(id: number) { return this.live.get(id); }
  upstreamStatus() { return []; }
  async stop() {}
  /** (the cap the service asked the engine to keep bodies at) */
  bodyCap = 0;
  captureBodies(cap: number) { this.bodyCap = cap; }

  asEngine(): Engine {
    return this as unknown as Engine;
  }

  openSession(id: number): SessionRecord {
    const record: SessionRecord = {
      id, url: '/ws', clientAddress: '127.0.0.1:5000', route: { server: 0, location: 0, name: '', where: '/ws', explain: 'prefix "/ws"' }, upstream: '127.0.0.1:9001',
      upstreamPath: '/ws', tries: [], requestHeaders: [], responseHeaders: [], subprotocol: null, extensions: null, state: 'open', status: 101, openedAt: Date.now(),
      closedAt: null, closedBy: null, closeReason: null, closeFrame: null, bytesFromClient: 0, bytesFromUpstream: 0, framesFromClient: 0, framesFromUpstream: 0,
    };
    this.live.set(id, {
      record, client: { bytesRead: 0 }, upstream: { bytesRead: 0 },
      close: (reason) => {
        record.state = 'closed';
        record.closedBy = 'proxy';
        record.closeReason = reason;
        record.closedAt = Date.now();
        this.live.delete(id);
        this.emit('session-close', record);
      },
    });
    this.emit('session-open', record, { client: {}, upstream: {} });
    return record;
  }

  exchange(id: number): ExchangeRecord {
    const r: ExchangeRecord = {
      id, method: 'GET', url: `/x/${id}`, clientAddress: '127.0.0.1:5001', route: null, upstream: '127.0.0.1:9001', upstreamPath: '/', status: 200,
      tries: [], startedAt: Date.now(), timings: { totalMs: 1 }, requestHeaders: [], responseHeaders: [], requestBytes: 0, responseBytes: 10,
    };
    this.emit('exchange', r);
    return r;
  }
}
