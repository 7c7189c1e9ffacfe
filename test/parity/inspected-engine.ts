// The engine with inspection on, as the UI runs it (SwitchyardService and its frame tap), for the
// parity tests that put third-party WebSocket stacks through it: runs `fn` against `model`, then
// waits for the WebSocket sessions it opened to close and returns their details with frames.
import type { ConfigInput } from '../../app/config/schema.ts';
import type { SessionDetail } from '../../app/api/contract.ts';
import type { SessionView } from '../../app/api/views.ts';
import { SwitchyardService } from '../../main/service/service.ts';
import { withEngine } from './harness.ts';
import { value } from '../helpers/service.ts';
import { poll } from '../helpers/wait.ts';

/** `fn`'s result, and the `sessions` WebSocket sessions it opened (all closed, within 5 s) as inspected. */
export function withInspectedEngine<T>(model: ConfigInput, sessions: number, fn: () => Promise<T>): Promise<{ result: T; inspected: SessionDetail[] }> {
  return withEngine(model, async (engine) => {
    const service = await SwitchyardService.create(engine, { initialDraft: {} });
    try {
      const result = await fn();
      const closed = await poll(async () => value<SessionView[]>(await service.handle('sessions', {})), (l) => l.length === sessions && l.every((s) => s.state === 'closed'), 5000);
      const inspected: SessionDetail[] = [];
      for (const s of closed) inspected.push(value<SessionDetail>(await service.handle('session', { id: s.id })));
      return { result, inspected };
    } finally {
      await service.close();
    }
  });
}
