// An open WebSocket session (after the upstream's 101): both relays, the idle and send timeouts,
// the frame tap hook, and what the proxy itself may do to the session (inject a message, close it).
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { clientSendTimeout } from './client-timeouts.ts';
import type { PeerAttempt, Peer } from '../upstream/types.ts';
import type { EngineHooks, SessionRecord } from './events.ts';
import { WsRelay } from './ws-relay.ts';
import { StallWatch } from './stall-watch.ts';
import { isLingering, lingeringClose } from './client-close.ts';
import { bytesFromClient } from './upgrade-answer.ts';
import { OPCODES, checkClose } from './ws-frames.ts';
import { isWebSocketSession, upgradedTo } from '../../app/engine/tunnel.ts';

/** Which peer an injected frame goes to. */
export type InjectTarget = 'client' | 'upstream';

export interface LiveSession {
  record: SessionRecord;
  client: Socket;
  upstream: Socket;
  /**
   * Send a message of the proxy's own to one peer, between two complete messages of that direction
   * (masked toward the upstream). Resolves once written; rejects if the session ends first, or
   * (InjectBusyError, code 'busy') when that direction stays inside a fragmented message for
   * `waitMs` (default INJECT_WAIT_MS): the frame is then not sent at all. `onHanded` is told as
   * the frame goes to the peer's socket: observers have then seen what was passed on before it.
   */
  inject(to: InjectTarget, opcode: 'text' | 'binary', payload: Buffer, waitMs?: number, onHanded?: () => void): Promise<void>;
  /**
   * End the session from the proxy side (engine stop, user action). Without a code both sockets
   * are destroyed at once; with one, a Close frame (code, reason) goes to each peer that has not
   * been sent one already (a peer that sent its own Close started the closing handshake: the other
   * peer has that one), at the next frame boundary, `onSent` told as each goes to its peer's socket
   * (the moment the relay stops passing on what that peer's counterpart sends; observers have seen
   * all that was passed on before it, and see only what is dropped after it); the sockets
   * end once the peers have answered (or after `CLOSE_GRACE_MS`). Resolves when both sockets
   * closed. Rejects (error.code 'invalid_close_code' | 'close_reason_too_long') when the frame is
   * not valid, ('closing') when a close is under way already or both peers have sent Close.
   */
  close(reason: string, frame?: { code?: number; reason?: string }, onSent?: (to: InjectTarget) => void): Promise<void>;
}

/** How long the proxy waits for both peers to answer its Close frame before dropping them. */
export const CLOSE_GRACE_MS = 1000;

/** How long an injected message waits for a message boundary (the end of a fragmented message). */
export const INJECT_WAIT_MS = 5000;

/** Client connections closeClient has taken over. */
const closingClients = new WeakSet<Socket>();

/**
 * Close a client connection the session no longer relays, as nginx finalizes an upgraded request:
 * what was written to it goes first, then a FIN. When the relay had stopped reading the client (its
 * upstream was full), bytes may wait unread: nginx's lingering close then (client-close.ts), since
 * closing a socket with unread bytes resets the connection, and a reset can take with it what the
 * client had not read yet. Otherwise the socket closes as soon as the FIN is out, and what the
 * client sends after it is answered with a reset, as from nginx.
 */
function closeClient(socket: Socket): void {
  if (socket.isPaused()) return lingeringClose(socket);
  if (socket.destroyed || closingClients.has(socket) || isLingering(socket)) return;
  closingClients.add(socket);
  // (a client that takes none of what is still queued for it: send_timeout, as nginx's flush)
  const watch = socket.writableLength > 0 ? new StallWatch(socket, clientSendTimeout.ms, () => socket.destroy()) : null;
  socket.once('close', () => watch?.end());
  socket.end(() => socket.destroy());
}

/** A session's proxy_read_timeout: one timer, refreshed by both relays on every chunk and drain. */
class ReadTimer {
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  constructor(private readonly ms: number, private readonly a: WsRelay, private readonly b: WsRelay, private readonly expired: () => void) {}

  /** Start it anew (true), or pause it (false: the client takes nothing). */
  arm(on: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = on && this.ms > 0 && !this.done ? setTimeout(this.expired, this.ms).unref() : null;
    this.a.activity = this.timer;
    this.b.activity = this.timer;
  }

  /** The session is over: stop it for good. */
  stop(): void {
    this.done = true;
    this.arm(false);
  }
}

/**
 * An HTTP head written raw, the way nginx writes an upstream's answer: the status line, then
 * `lines` (name/value pairs): the proxy's own (a Date of now first), then the upstream's header
 * lines as nginx passes them (redirects.ts passedHeaders).
 */
export function rawHead(statusLine: string, lines: readonly string[]): string {
  let out = `${statusLine}\r\n`;
  for (let i = 0; i + 1 < lines.length; i += 2) out += `${lines[i]}: ${lines[i + 1]}\r\n`;
  return `${out}\r\n`;
}

export interface SessionStart {
  socket: Socket;
  up: Socket;
  upRes: IncomingMessage;
  upHead: Buffer;
  /** What `up` had read before the handshake (a connection from the keepalive cache): not the session's. */
  upReadBefore: number;
  /** The 101's status line from the code on, as the upstream wrote it ("101 Switching Protocols", "101"). */
  statusText: string;
  /** The 101's header lines as nginx passes them (redirects.ts passedHeaders). */
  headers: string[];
  /** Bytes the client sent after its request head, read with it. */
  head: Buffer | null;
  session: SessionRecord;
  hooks: EngineHooks;
  attempt: PeerAttempt;
  peer: Peer;
  readTimeoutMs: number;
  /** proxy_read_timeout as configured, for the close reason. */
  readTimeoutText: string;
  /** proxy_send_timeout, and as configured. */
  sendTimeoutMs: number;
  sendTimeoutText: string;
  onLive: (live: LiveSession) => void;
}

/**
 * The open session: 101 to the client, both relays, the frame tap hook, inject/close. A function of
 * its own, so that what it keeps for the session's lifetime (its listeners and their scope) does not
 * hold the handshake's state too (plan, retry closures, request head).
 */
export function runSession(a: SessionStart): void {
  // (closures below must not use `a`: it holds the upstream's response object)
  const { socket, up, upRes, upReadBefore, session, hooks, attempt, peer, onLive, readTimeoutText, readTimeoutMs, sendTimeoutText } = a;
  // (latin1: node read the upstream's head as latin1, so its bytes over 0x7F go back as they came)
  // (the record has the lines the client got, as an HTTP exchange's has)
  const lines = ['Date', new Date().toUTCString(), 'Connection', 'upgrade', ...a.headers];
  socket.write(rawHead(`HTTP/1.1 ${a.statusText}`, lines), 'latin1');
  session.state = 'open';
  session.status = 101;
  session.responseHeaders = lines;
  session.subprotocol = (upRes.headers['sec-websocket-protocol'] as string | undefined) ?? null;
  session.extensions = (upRes.headers['sec-websocket-extensions'] as string | undefined) ?? null;

  let ended = false;
  let markClosed!: () => void;
  const closed = new Promise<void>((r) => (markClosed = r));
  const endSession = (by: 'client' | 'upstream' | 'proxy', reason: string) => {
    if (!session.closedBy) {
      session.closedBy = by;
      session.closeReason = reason;
    }
    if (ended) return;
    ended = true;
    attempt.release(peer, false);
  };
  const finalize = () => {
    if (!socket.destroyed || !up.destroyed || session.state === 'closed') return;
    session.state = 'closed';
    session.closedAt = Date.now();
    session.bytesFromClient = bytesFromClient(socket);
    session.bytesFromUpstream = up.bytesRead - upReadBefore;
    hooks.sessionClose(session);
    markClosed();
  };
  // client→upstream frames are masked (RFC 6455 §5.3), upstream→client ones are not
  const toUpstream = new WsRelay(socket, up, true);
  const toClient = new WsRelay(up, socket, false);
  toUpstream.peer = toClient;
  toClient.peer = toUpstream;
  // proxy_read_timeout: no event on either connection for that long ends the session (nginx re-arms
  // the upstream's read timer on every event of the upgraded pair). A timer of the session's own,
  // refreshed by both relays, not the socket's idle timeout: node lets that skip an expiry while
  // writes stay queued, which doubled the timeout toward an upstream that stopped reading.
  const readTimer = new ReadTimer(readTimeoutMs, toUpstream, toClient, () => {
    endSession('proxy', `proxy_read_timeout (${readTimeoutText}) expired with no traffic`);
    toUpstream.stop();
    up.destroy();
    closeClient(socket);
  });
  // the handshake's timers are done
  up.setTimeout(0);
  socket.setTimeout(0);
  readTimer.arm(true);
  // Either peer's EOF ends the session, as in nginx (ngx_http_upstream_process_upgraded): what that
  // peer sent is passed on (its relay ends the other connection after it), the other direction is
  // not relayed further, and both connections close once what was written to them has gone.
  // While the proxy closes the session with a Close frame of its own (`closing`), one peer's EOF
  // (after its answer) ends nothing else: the other peer's answer is still read and logged, and the
  // close itself ends both connections once both answered, or after its grace time.
  let closing = false;
  socket.on('end', () => {
    endSession('client', 'client closed the connection');
    if (closing) return;
    toClient.stop();
    closeClient(socket);
    up.destroySoon();
  });
  up.on('end', () => {
    endSession('upstream', 'upstream closed the connection');
    if (!closing) {
      toUpstream.stop();
      closeClient(socket);
    }
    up.destroySoon();
  });
  socket.on('error', (e) => endSession('client', `client socket error: ${e.message}`));
  up.on('error', (e) => endSession('upstream', `upstream socket error: ${e.message}`));
  socket.on('close', () => {
    endSession('client', 'client connection closed');
    readTimer.stop();
    toUpstream.stop();
    if (!closing) up.destroySoon();
    finalize();
  });
  up.on('close', () => {
    endSession('upstream', 'upstream connection closed');
    readTimer.stop();
    toClient.stop();
    if (!closing) {
      toUpstream.stop();
      closeClient(socket);
    }
    finalize();
  });
  // frames each peer sends, and who started the closing handshake with which code (the first close
  // frame either way); a tunnel to another protocol (Upgrade: h2c, foo) has no frames to follow
  const websocket = isWebSocketSession(session);
  if (websocket) {
    toUpstream.record = session;
    toClient.record = session;
  }
  // a peer that stops reading ends the session after nginx's send timeout, whatever the read timeout
  // (the reason's text is made when it happens: a session keeps no string for it)
  // (an upstream that stopped reading: what was written to the client goes, then a FIN, lingering
  // when the client's bytes wait unread behind the full upstream (closeClient), as from nginx; a
  // client that stopped reading takes nothing more anyway)
  const sendTimedOut = (who: 'upstream' | 'client', setting: string) => {
    endSession('proxy', `${who} took no data for ${setting}: it stopped reading`);
    toUpstream.stop();
    toClient.stop();
    up.destroy();
    if (who === 'upstream') closeClient(socket);
    else socket.destroy();
  };
  toUpstream.sendTimeoutMs = a.sendTimeoutMs;
  toUpstream.onSendTimeout = () => sendTimedOut('upstream', `proxy_send_timeout (${sendTimeoutText})`);
  toClient.sendTimeoutMs = clientSendTimeout.ms;
  toClient.onSendTimeout = () => sendTimedOut('client', clientSendTimeout.text());
  // while the client takes nothing, what the upstream sent waits unread: nginx stops the upstream's
  // read timer then (only send_timeout runs), and so does this
  toClient.onStall = (stalled) => readTimer.arm(!stalled);
  // before the bytes read with the handshake go through, so that an observer sees them too
  hooks.sessionOpen(session, {
    client: socket,
    upstream: up,
    observe(fromClient, fromUpstream) {
      toUpstream.observer = fromClient;
      toClient.observer = fromUpstream;
    },
  });
  if (a.upHead.length) toClient.push(a.upHead);
  if (a.head && a.head.length) toUpstream.push(a.head);
  onLive({
    record: session,
    client: socket,
    upstream: up,
    inject(to, opcode, payload, waitMs = INJECT_WAIT_MS, onHanded) {
      if (!websocket) return Promise.reject(notWebSocket(session));
      if (closing) return Promise.reject(Object.assign(new Error('the session is closing'), { code: 'closing' }));
      return (to === 'client' ? toClient : toUpstream).inject(OPCODES[opcode], payload, { waitMs, onHanded });
    },
    close(reason, frame, onSent) {
      if (frame?.code === undefined) {
        endSession('proxy', reason);
        socket.destroy();
        up.destroy();
        return closed;
      }
      if (!websocket) return Promise.reject(notWebSocket(session));
      const check = checkClose(frame.code, frame.reason);
      if (!check.ok) return Promise.reject(Object.assign(new Error(check.message), { code: check.code }));
      const targets = ([['client', toClient], ['upstream', toUpstream]] as const).filter(([, relay]) => !relay.peerClosed);
      if (closing || socket.destroyed || up.destroyed || targets.length === 0) {
        const why = targets.length === 0 ? 'both peers have sent their Close frames' : 'a close is under way already';
        return Promise.reject(Object.assign(new Error(`the session is closing: ${why}`), { code: 'closing' }));
      }
      closing = true;
      // Switchyard ends the connections (closedBy); the closing handshake was begun by whoever sent
      // the first Close frame (closeFrame.from)
      endSession('proxy', reason);
      // (the proxy began the closing handshake if its Close goes to a peer before any peer's does)
      const own = { from: 'proxy' as const, code: frame.code, reason: frame.reason ?? '' };
      let sent = false;
      const drop = () => {
        socket.destroy();
        up.destroy();
      };
      const grace = setTimeout(() => {
        // (no frame boundary came where the Close would go: the connections end without it)
        if (!sent && session.closeReason === reason) session.closeReason = `${reason}; no Close frame went: the frames under way did not end within ${CLOSE_GRACE_MS / 1000} s`;
        drop();
      }, CLOSE_GRACE_MS);
      grace.unref();
      // a peer that sent Close already has answered (its Close is the other peer's)
      let answers = 2 - targets.length;
      const answered = () => {
        if (++answers < 2) return;
        socket.end();
        up.end();
      };
      for (const [to, relay] of targets) {
        relay.onPeerClose = answered;
        // (a peer whose Close went by while ours waited for a frame boundary has answered)
        const onHanded = () => {
          sent = true;
          session.closeFrame ??= own;
          onSent?.(to);
        };
        void relay.inject(OPCODES.close, check.payload, { close: true, onHanded }).catch((e: { code?: string }) => (e.code === 'peer_closed' ? answered() : drop()));
      }
      return closed.finally(() => clearTimeout(grace));
    },
  });
}

/** Inject and a Close frame refused on a tunnel that is not WebSocket (it has no frames). */
function notWebSocket(session: SessionRecord): Error {
  const message = `session ${session.id} switched to "${upgradedTo(session.responseHeaders) ?? ''}", not WebSocket: it carries no frames to send one into (close it without a code to end its connections)`;
  return Object.assign(new Error(message), { code: 'not_websocket' });
}
