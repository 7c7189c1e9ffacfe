// Reads into a buffer of our own on a socket that already exists.
//
// A net.Socket normally allocates a new buffer for every read (libuv reads into a fresh 64 KiB
// block, Node copies what arrived into a zero-filled buffer of that size, frees the block) and
// emits it as 'data'. For a relay that writes each chunk on at once, that allocation and copy is
// most of the user-space cost of a large message, and its memory churn makes the cost jump when the
// reads get smaller (measured: 28 → 44 µs of proxy CPU per 16 KiB WebSocket message).
//
// Node's documented `onread` socket option avoids it: reads land in a caller's buffer and a
// callback gets the byte count. The option is only accepted when a socket is constructed, and the
// upgraded sockets of a WebSocket session are made by node:http. `readInto` therefore does to a
// live socket what the option does in the constructor: it sets the socket's three onread fields
// (private symbols, found by their descriptions) and gives the handle the buffer
// (`handle.useUserBuffer`, as net.Socket's initSocketHandle does). Where this Node lacks any of
// those, nothing is changed and the caller keeps its 'data' listener.
//
// While switched: 'data' is no longer emitted; 'end', 'close', 'error', pause()/resume(), timeouts
// and bytesRead work as before (they are the same code paths the onread option uses).
import type { Socket } from 'node:net';

interface UserBufferHandle {
  useUserBuffer(buf: Uint8Array): void;
}

const fieldSymbols = new Map<string, symbol>();

function field(socket: Socket, description: string): symbol | undefined {
  let s = fieldSymbols.get(description);
  if (s === undefined) {
    s = Object.getOwnPropertySymbols(socket).find((x) => x.description === description);
    if (s !== undefined) fieldSymbols.set(description, s);
  }
  return s !== undefined && Object.prototype.hasOwnProperty.call(socket, s) ? s : undefined;
}

/**
 * Switch `socket` to reading into `buffer`: after each read `onRead(bytesRead)` is called with the
 * bytes in buffer[0, bytesRead) (valid during the call only), then `next()`, which may return a
 * new buffer for the following reads (or undefined to keep the current one). Call it when the
 * socket's readable buffer is empty (readableLength 0), or those bytes would come after later ones.
 * Returns false, changing nothing, where this Node does not support it (or `socket` is no
 * net.Socket with a live handle).
 */
export function readInto(socket: Socket, buffer: Buffer, onRead: (bytesRead: number) => void, next: () => Buffer | undefined): boolean {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || socket.destroyed || socket.readableLength !== 0) return false;
  const kBuffer = field(socket, 'kBuffer');
  const kBufferCb = field(socket, 'kBufferCb');
  const kBufferGen = field(socket, 'kBufferGen');
  if (!kBuffer || !kBufferCb || !kBufferGen) return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] != null) return false; // already reading into a buffer of someone else's
  fields[kBuffer] = buffer;
  // called as is on every read (node would stop reading if it returned false: `onRead` returns
  // nothing; backpressure goes through pause())
  fields[kBufferCb] = onRead;
  fields[kBufferGen] = next;
  handle.useUserBuffer(buffer);
  return true;
}
