// What the engine reports about traffic and peers: plain, JSON-safe records. Defined here in app/
// so the engine (main/) fills them and the UI (renderer/, through app/api/views.ts) reads the same types.

export interface RouteInfo {
  /** Index of the server block and location in the config. */
  server: number;
  location: number | null;
  /** The location's label ('' when unnamed) and why it was chosen (nginx's selection rules). */
  name: string;
  /** The location as written when it served the request ("~ ^/ws", "/api/"; '' when the server
   * block answered itself): the index alone names another location once the routes change. */
  where: string;
  explain: string;
}

export interface ExchangeRecord {
  id: number;
  method: string;
  url: string;
  /** The request line's HTTP version as read ("1.0", "1.1"); absent when the head was refused
   * before its version was read, or a HAR import named none it knows. */
  httpVersion?: string;
  clientAddress: string;
  route: RouteInfo | null;
  /** The peer that answered (last one tried), "ip:port". */
  upstream: string | null;
  upstreamPath: string | null;
  status: number;
  /** Why the engine answered itself (502/504/404/400...), in nginx's words where nginx has them. */
  cause?: string;
  /** What the engine noted about a request it proxied: an upgrade request forwarded as plain HTTP,
   * and why (the route has no WebSocket switch). */
  note?: string;
  tries: Array<{ upstream: string; outcome: string }>;
  startedAt: number;
  timings: { connectMs?: number; firstByteMs?: number; totalMs?: number };
  requestHeaders: string[];
  responseHeaders: string[];
  requestBytes: number;
  responseBytes: number;
}

export type SessionState = 'connecting' | 'open' | 'closed' | 'rejected';

export interface SessionRecord {
  id: number;
  url: string;
  clientAddress: string;
  route: RouteInfo;
  upstream: string | null;
  upstreamPath: string;
  /** Every peer the handshake went to, in order, and what came of it: the failure in nginx's words
   * (the next peer was tried, or the client got 502/504), or `status N`, the status it answered. */
  tries: Array<{ upstream: string; outcome: string }>;
  requestHeaders: string[];
  responseHeaders: string[];
  subprotocol: string | null;
  extensions: string | null;
  state: SessionState;
  /** The HTTP status the client's handshake got: 101, the upstream's refusal, or the proxy's own
   * error (502, 504, …); null while it waits, or when the client left before an answer. */
  status: number | null;
  /** When the handshake request came in (the wait for the upstream's answer is part of the session). */
  openedAt: number;
  closedAt: number | null;
  /** Who ended the TCP session: 'client', 'upstream', 'proxy' (timeout, reconfigure, engine stop). */
  closedBy: 'client' | 'upstream' | 'proxy' | null;
  closeReason: string | null;
  /**
   * The WebSocket closing handshake's first close frame: who started it ('proxy': Switchyard's
   * closeSession), its status code (null: the frame carried none) and reason. Null while no close
   * frame went by (e.g. a peer dropped the TCP connection).
   */
  closeFrame: CloseFrameInfo | null;
  /** Bytes read from the client's connection, its handshake included (also for a session refused
   * or failed: what the client sent until then), and from the upstream's, its answer's head
   * included (0 when none connected). A HAR from elsewhere gives its messages' payload bytes. */
  bytesFromClient: number;
  bytesFromUpstream: number;
  /** WebSocket frames each peer sent, as the relay followed them on the wire (control frames and
   * each fragment counted; whatever the frame tap made of them, with or without inspection; frames
   * Switchyard sent itself are not among them). A HAR from elsewhere gives its messages. */
  framesFromClient: number;
  framesFromUpstream: number;
}

export interface CloseFrameInfo {
  from: 'client' | 'upstream' | 'proxy';
  code: number | null;
  reason: string;
  /** Why the frame breaks RFC 6455 (a 1-byte or over-125-byte payload, a code no endpoint may
   * send), when it does; the proxy passed it on all the same, as nginx does. */
  invalid?: string;
}

export interface PeerStatus {
  server: string;
  host: string;
  port: number;
  backup: boolean;
  down: boolean;
  /** Requests/sessions currently using this peer (nginx peer->conns). */
  conns: number;
  fails: number;
  /** Epoch ms until which the peer is considered unavailable, or null when it is available. */
  unavailableUntil: number | null;
}
