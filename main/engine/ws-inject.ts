// Frames Switchyard injects into a relayed direction (ws-relay.ts WsRelay.inject): what waits for
// its boundary, and the errors of frames that cannot go.

export interface Pending {
  frame: Buffer;
  close: boolean;
  resolve: () => void;
  reject: (e: Error) => void;
  /** Gives up when no message boundary came in time (see inject's waitMs). */
  timer: NodeJS.Timeout | null;
  /** Told when the frame goes to `dst` (see inject's onHanded). */
  onHanded: (() => void) | null;
}

/** An injected frame was not sent: no message boundary came in time. Error code 'busy'. */
export class InjectBusyError extends Error {
  readonly code = 'busy';
}

/** A frame refused because Switchyard's own Close went (or goes) this way first. Error code 'closing'. */
export function closingError(): Error {
  return Object.assign(new Error('the session is closing'), { code: 'closing' });
}

/** A message refused because the peer it would go to is not taking what is already queued for it
 * (it would wait there until the peer reads, or until send_timeout ends the session). Code 'busy'. */
export function backedUpError(receiver: 'client' | 'upstream', queued: number): Error {
  return Object.assign(new Error(`the ${receiver} is not taking data (${queued} bytes wait to go to it), so the message was not sent; try again once it reads`), { code: 'busy' });
}
