// Raw bytes on both sides of an upgrade: a TCP upstream that records every byte each connection
// brings (and whether the proxy closed it) and answers with scripted bytes, and a TCP client that
// writes a request, waits for the proxy to go quiet, writes more bytes (frames that should go
// through a tunnel), and records everything it got and how the connection ended. Used by
// upgrade-explore.ts and upgrade-wire.test.ts to compare real nginx and the engine byte by byte.
import net from 'node:net';
import { startTcpServer } from '../helpers/upstreams.ts';

/** What the upstream does once a request head (and its Content-Length body) is in. */
export interface UpstreamScript {
  /** Bytes (latin1) written as the answer; `:UP/` in them is replaced by the upstream's port. */
  answer: string;
  /**
   * After the answer: `echo` every later byte back (a tunnel), `close` (end at once), `halfclose`
   * (send a FIN, keep reading), `http` (read the next request on the connection and answer it with
   * the script its path names), `hold` (do nothing).
   */
  then: 'echo' | 'close' | 'halfclose' | 'http' | 'hold' | 'reset';
  /** Written `laterMs` (100 by default) after the answer (a second part of it, frames after a 101). */
  later?: string;
  laterMs?: number;
  /** The answer goes out in pieces cut at these offsets, 30 ms apart. */
  cuts?: number[];
  /** The answer waits this long after the request is in (the client may send more meanwhile). */
  delayMs?: number;
  /** Answer as soon as the head is in, without waiting for the body (which is then dropped). */
  early?: boolean;
}

/** One case's view of the upstream: per connection used (in order of first byte), what arrived. */
export interface UpstreamView {
  conns: Array<{ id: number; bytes: string; fin: boolean }>;
}

export interface ScriptedUpstream {
  port: number;
  /** Starts a case: bytes and FINs seen from now on are the case's. */
  mark(): void;
  /** The id the next connection will get (ids are per upstream, from 0). */
  nextId(): number;
  view(): UpstreamView;
  close(): Promise<void>;
}

function contentLength(head: string): number {
  const m = /\r\ncontent-length: *(\d+)/i.exec(head);
  return m ? Number(m[1]) : 0;
}

/**
 * The upstream. `scriptFor` gets the last path segment of each request (query dropped) and says how
 * to answer; unknown segments get a plain 200.
 */
export async function startScriptedUpstream(scriptFor: (segment: string) => UpstreamScript | undefined): Promise<ScriptedUpstream> {
  let conns = 0;
  let view: UpstreamView = { conns: [] };
  const entry = (id: number) => {
    let e = view.conns.find((c) => c.id === id);
    if (!e) view.conns.push((e = { id, bytes: '', fin: false }));
    return e;
  };
  const server = await startTcpServer((sock) => {
    const id = conns++;
    sock.on('error', () => sock.destroy());
    sock.on('end', () => {
      entry(id).fin = true;
    });
    let mode: 'http' | 'echo' | 'drop' | 'wait' = 'http';
    let buf = '';
    const answer = () => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end + 4);
        const target = head.slice(0, head.indexOf('\r\n')).split(' ')[1] ?? '';
        const segment = target.split('?')[0]!.split('/').pop()!;
        const s = scriptFor(segment) ?? { answer: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n', then: 'http' };
        const len = s.early ? 0 : contentLength(head);
        if (buf.length < end + 4 + len) return;
        buf = s.early ? '' : buf.slice(end + 4 + len);
        if (s.early) mode = 'drop';
        const port = String(sock.localPort);
        if (s.delayMs) {
          // answers later; what comes meanwhile waits in buf (echoed then, for a tunnel)
          mode = 'wait';
          setTimeout(() => {
            // (a proxy that closed the connection meanwhile gets no answer)
            if (!sock.writable || sock.readableEnded) return;
            entry(id).bytes += '|A|';
            sock.write(s.answer.replaceAll(':UP/', `:${port}/`), 'latin1');
            if (s.then === 'echo') {
              mode = 'echo';
              if (buf) sock.write(buf, 'latin1');
              buf = '';
            } else {
              mode = 'drop';
              if (s.then === 'close' || s.then === 'halfclose') sock.end();
            }
          }, s.delayMs);
          return;
        }
        if (s.cuts) {
          const bytes = s.answer.replaceAll(':UP/', `:${port}/`);
          const at = [0, ...s.cuts, bytes.length];
          mode = s.then === 'echo' ? 'echo' : 'drop';
          entry(id).bytes += '|A|';
          at.slice(1).forEach((end, k) => setTimeout(() => sock.writable && sock.write(bytes.slice(at[k], end), 'latin1'), 30 * k));
          if (s.then === 'close') setTimeout(() => sock.end(), 30 * at.length);
          return;
        }
        entry(id).bytes += '|A|';
        // (no body to a HEAD but for a 101's tunnel bytes)
        const isHead = head.startsWith('HEAD ') && !s.answer.startsWith('HTTP/1.1 101');
        sock.write((isHead ? s.answer.slice(0, s.answer.indexOf('\r\n\r\n') + 4) : s.answer).replaceAll(':UP/', `:${port}/`), 'latin1');
        if (s.then === 'reset') return void setTimeout(() => sock.resetAndDestroy(), 50);
        if (s.later !== undefined) setTimeout(() => sock.writable && !sock.readableEnded && sock.write(s.later!, 'latin1'), s.laterMs ?? 100);
        if (s.then === 'close') return void sock.end();
        if (s.then === 'halfclose') {
          mode = 'drop';
          return void sock.end();
        }
        if (s.then === 'hold') return void (mode = 'drop');
        if (s.then === 'echo') {
          mode = 'echo';
          if (buf) sock.write(buf, 'latin1');
          buf = '';
          return;
        }
      }
    };
    sock.on('data', (d: Buffer) => {
      const text = d.toString('latin1');
      entry(id).bytes += text;
      if (mode === 'echo') return void (sock.writable && sock.write(d));
      if (mode === 'drop') return;
      buf += text;
      if (mode === 'wait') return;
      answer();
    });
  }, { allowHalfOpen: true });
  return {
    port: server.port,
    mark: () => {
      view = { conns: [] };
    },
    view: () => view,
    nextId: () => conns,
    close: server.close,
  };
}

export interface ClientView {
  /** Everything the client got, as latin1. */
  got: string;
  /** How the connection ended: the proxy's FIN, a reset, or still open when the client left. */
  end: 'fin' | 'reset' | 'open';
  /** Whether the `after` bytes could be written (the proxy had not closed yet). */
  wroteAfter: boolean;
}

/** Resolves once nothing has arrived for `quietMs` (or the connection closed). */
function quiet(sock: net.Socket, state: { last: number; closed: boolean }, quietMs: number, maxMs: number): Promise<void> {
  const start = Date.now();
  return new Promise((resolve) => {
    const tick = () => {
      if (state.closed || Date.now() - state.last >= quietMs || Date.now() - start > maxMs) return resolve();
      setTimeout(tick, 20);
    };
    setTimeout(tick, 20);
  });
}

/**
 * Writes `bytes` to 127.0.0.1:port, waits until the proxy is quiet for `quietMs`, writes `after`
 * (when given and still open), waits again (quiet for `settleMs`, by default `quietMs`), and leaves (or, with `halfClose`, sends its FIN first
 * and waits once more).
 */
export async function clientExchange(port: number, bytes: string, opts: { after?: string; halfClose?: boolean; reset?: boolean; quietMs?: number; settleMs?: number } = {}): Promise<ClientView> {
  const quietMs = opts.quietMs ?? 300;
  const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const state = { last: Date.now(), closed: false };
  let got = '';
  let end: ClientView['end'] = 'open';
  sock.on('data', (d: Buffer) => {
    got += d.toString('latin1');
    state.last = Date.now();
  });
  sock.on('end', () => {
    if (end === 'open') end = 'fin';
    state.closed = true;
  });
  sock.on('error', () => {
    end = 'reset';
    state.closed = true;
  });
  sock.on('close', () => {
    state.closed = true;
  });
  await new Promise<void>((r, j) => {
    sock.once('connect', r);
    sock.once('error', j);
  });
  sock.write(Buffer.from(bytes, 'latin1'));
  state.last = Date.now();
  if (opts.reset) {
    // (the client goes away with a reset once its bytes are out)
    await new Promise((r) => setTimeout(r, 50));
    sock.resetAndDestroy();
    return { got, end: 'open', wroteAfter: false };
  }
  await quiet(sock, state, quietMs, 4000);
  let wroteAfter = false;
  if (opts.after !== undefined && !state.closed) {
    wroteAfter = true;
    sock.write(Buffer.from(opts.after, 'latin1'));
    state.last = Date.now();
    await quiet(sock, state, opts.settleMs ?? quietMs, 4000);
  }
  if (opts.halfClose && !state.closed) {
    sock.end();
    state.last = Date.now();
    await quiet(sock, state, quietMs, 4000);
  }
  sock.destroy();
  return { got, end, wroteAfter };
}
