// The one IPC wrapper: every handler is registered through `handle(name, fn)` / `on(channel, fn)`,
// which refuse any sender other than our window's main frame showing our own origin, and turn
// throws into `{ ok: false, error: { code, message } }` (invoke would keep only the message).
// Model: microsoft/vscode src/vs/base/parts/ipc/electron-main/ipcMain.ts (validatedIpcMain).
//
// Only types come from 'electron', so the logic runs in tests with plain objects (no Electron).
import type { IpcMainInvokeEvent, IpcMainEvent } from 'electron';
import { REQUEST_NAMES, type FeedEvent, type Result } from '../../app/api/contract.ts';
import { FEED_ACK, FEED_CHANNEL, FEED_SUBSCRIBE, FEED_UNSUBSCRIBE, requestChannel } from './channels.ts';

/** What the check reads of a frame: identity and URL. */
export interface FrameLike {
  readonly url: string;
}
/** What the check reads of an IPC event (IpcMainInvokeEvent / IpcMainEvent satisfy it). */
export interface SenderEvent {
  readonly senderFrame: FrameLike | null;
}

/** The subset of ipcMain used here (Electron's ipcMain satisfies it). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcMainEvent, ...args: unknown[]) => void): unknown;
}

export interface SenderPolicy {
  /** Our window's main frame (`win.webContents.mainFrame`), or null when there is no window. */
  trustedFrame(): FrameLike | null;
  /** Allowed origins, e.g. "app://switchyard" or "file://". */
  origins: readonly string[];
  /** Told about every refused message (logged by the shell). */
  onRefused?(channel: string, reason: string): void;
}

/** "scheme://host" (WHATWG URL gives "null" as the origin of custom schemes and file:). */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? 'file://' : `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Why a message must be refused, or null when it comes from our window's main frame and origin. */
export function senderProblem(event: SenderEvent, policy: Pick<SenderPolicy, 'trustedFrame' | 'origins'>): string | null {
  const frame = event.senderFrame;
  if (!frame) return 'the sending frame is gone';
  const trusted = policy.trustedFrame();
  if (!trusted) return 'there is no Switchyard window';
  if (frame !== trusted) return 'the sender is not the Switchyard window\'s main frame';
  const origin = originOf(frame.url);
  if (origin === null || !policy.origins.includes(origin)) return `the sender's origin ${origin ?? `(unparsable: ${frame.url})`} is not Switchyard's`;
  return null;
}

export type Handler = (params: unknown) => Promise<Result<unknown>>;

export function createIpc(ipcMain: IpcMainLike, policy: SenderPolicy) {
  const cleanup: Array<() => void> = [];
  const refused = (channel: string, reason: string) => policy.onRefused?.(channel, reason);
  return {
    /** Serve request `name` on its channel; the reply is always a Result. */
    handle(name: string, fn: Handler): void {
      const channel = requestChannel(name);
      ipcMain.handle(channel, async (event, params) => {
        const bad = senderProblem(event, policy);
        if (bad) {
          refused(channel, bad);
          return { ok: false, error: { code: 'forbidden_sender', message: bad } } satisfies Result<never>;
        }
        try {
          return await fn(params);
        } catch (e) {
          return { ok: false, error: { code: 'internal', message: (e as Error)?.message || 'internal error' } } satisfies Result<never>;
        }
      });
      cleanup.push(() => ipcMain.removeHandler(channel));
    },
    /** A one-way message from the renderer, checked the same way; refused ones are dropped. */
    on(channel: string, fn: (event: IpcMainEvent) => void): void {
      const listener = (event: IpcMainEvent) => {
        const bad = senderProblem(event, policy);
        if (bad) return refused(channel, bad);
        try {
          fn(event);
        } catch (e) {
          refused(channel, `handler failed: ${(e as Error).message}`);
        }
      };
      ipcMain.on(channel, listener);
      cleanup.push(() => ipcMain.removeListener(channel, listener));
    },
    dispose(): void {
      for (const c of cleanup.splice(0)) c();
    },
  };
}

export type Ipc = ReturnType<typeof createIpc>;

/** The service as this IPC adapter sees it: one entry point and the feed. */
export interface ServiceLike {
  handle(name: string, params: unknown): Promise<Result<unknown>>;
  feed: { subscribe(sink: { send(e: FeedEvent): void; busy(): boolean }): () => void };
}

/** Feed events on their way to the window, not yet delivered, past which the window is busy. */
export const FEED_UNACKED_MAX = 16;

/** Where feed events go: our window's webContents. */
export interface FeedTarget {
  send(channel: string, e: FeedEvent): void;
  isDestroyed(): boolean;
}

/**
 * Serve every contract request and the feed over `ipc`: the SAME service object the web host
 * serves. Returns a function that stops the feed (the window closed or reloaded).
 */
export function serveService(ipc: Ipc, service: ServiceLike, target: () => FeedTarget | null): () => void {
  for (const name of REQUEST_NAMES) ipc.handle(name, (params) => service.handle(name, params ?? {}));
  let unsubscribe: (() => void) | null = null;
  const stop = () => {
    unsubscribe?.();
    unsubscribe = null;
  };
  // events sent and not yet acknowledged by the preload: past FEED_UNACKED_MAX the window is busy
  // and the feed keeps its batches (then, past its own cap, a snapshot) instead of queueing
  // messages in Electron without bound for a window that stopped taking them
  let unacked = 0;
  ipc.on(FEED_ACK, () => { if (unacked > 0) unacked--; });
  ipc.on(FEED_SUBSCRIBE, () => {
    stop(); // a re-subscribe (e.g. after a reload) starts over with a fresh snapshot
    unacked = 0;
    unsubscribe = service.feed.subscribe({
      send: (e) => {
        const t = target();
        if (t && !t.isDestroyed()) {
          t.send(FEED_CHANNEL, e);
          unacked++;
        }
      },
      busy: () => unacked >= FEED_UNACKED_MAX,
    });
  });
  ipc.on(FEED_UNSUBSCRIBE, stop);
  return stop;
}
