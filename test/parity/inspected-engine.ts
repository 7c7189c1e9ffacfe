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

/** `fn`'s result, and the `sessions` WebSocket sessions it opened (all closed, or refused by the
 * upstream or the proxy, within 5 s) as inspected. */
export function withInspectedEngine<T>(model: ConfigInput, sessions: number, fn: () => Promise<T>): Promise<{ result: T; inspected: SessionDetail[] }> {
  return withEngine(model, async (engine) => {
    const service = await SwitchyardService.create(engine, { initialDraft: {} });
    try {
      const result = await fn();
      const closed = await poll(async () => value<SessionView[]>(await service.handle('sessions', {})), (l) => l.length === sessions && l.every((s) => s.state === 'closed' || s.state === 'rejected'), 5000);
      // A compressed message still inflating when its session closed is logged after it (with every
      // row queued behind it): read the sessions once their logs stopped growing.
      const details = async () => {
        const list: SessionDetail[] = [];
        for (const s of closed) list.push(value<SessionDetail>(await service.handle('session', { id: s.id })));
        return list;
      };
      const rows = (l: SessionDetail[]) => l.map((d) => d.frames?.length ?? 0).join();
      let inspected = await details();
      for (const until = Date.now() + 5000; Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 200));
        const again = await details();
        if (rows(again) === rows(inspected)) break;
        inspected = again;
      }
      return { result, inspected };
    } finally {
      await service.close();
    }
  });
}
