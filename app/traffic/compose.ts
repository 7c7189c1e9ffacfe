// The composer's input → the `injectMessage` request's opcode and data: text as is, binary typed
// as hex or base64 (sent as base64). Errors name the field so the UI can show them next to it.
import type { FrameView } from '../api/views.ts';
import { fromBase64, fromHex, toBase64 } from './bytes.ts';

export type ComposeFormat = 'text' | 'hex' | 'base64';

export const COMPOSE_FORMATS: ReadonlyArray<{ id: ComposeFormat; label: string; hint: string }> = [
  { id: 'text', label: 'text', hint: 'a text message (UTF-8)' },
  { id: 'hex', label: 'binary (hex)', hint: 'a binary message typed as hex bytes, e.g. 01 ff 7a' },
  { id: 'base64', label: 'binary (base64)', hint: 'a binary message typed as base64, e.g. Af96' },
];

export type Composed =
  | { ok: true; opcode: 'text' | 'binary'; data: string; bytes: number }
  | { ok: false; field: 'message'; message: string };

/** Largest message the API accepts (`injectMessage.data` is capped at 1 MiB of text). */
export const MAX_COMPOSED_CHARS = 1024 * 1024;

export function composeMessage(format: ComposeFormat, input: string): Composed {
  const fail = (message: string): Composed => ({ ok: false, field: 'message', message });
  if (format === 'text') {
    if (input.length > MAX_COMPOSED_CHARS) return fail(`message: at most ${MAX_COMPOSED_CHARS} characters`);
    let bytes = 0;
    for (let i = 0; i < input.length; i++) {
      const c = input.charCodeAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
    }
    return { ok: true, opcode: 'text', data: input, bytes };
  }
  const decoded = format === 'hex' ? fromHex(input) : fromBase64(input);
  if (!decoded.ok) return fail(`message (${format}): ${decoded.message}`);
  const data = toBase64(decoded.bytes);
  if (data.length > MAX_COMPOSED_CHARS) return fail(`message: at most ${(MAX_COMPOSED_CHARS / 4) * 3} bytes`);
  return { ok: true, opcode: 'binary', data, bytes: decoded.bytes.length };
}

/** Why `frame` cannot be replayed (the service's rule: a text or binary message whose whole payload
 * is kept), or null when it can. */
export function replayProblem(frame: Pick<FrameView, 'opcode' | 'payload' | 'encodedBy' | 'decodeError'> | null): string | null {
  if (!frame) return 'Select a text or binary message in the log to replay it';
  if (frame.opcode !== 'text' && frame.opcode !== 'binary') return `A ${frame.opcode} frame cannot be replayed: only text and binary messages`;
  if (frame.encodedBy) return `It is in the encoding of the ${frame.encodedBy} extension, whose bits a replayed frame cannot carry`;
  if (frame.decodeError) return 'Its compressed payload could not be inflated: what was kept is not the message';
  if (frame.payload === 'kept') return null;
  if (frame.payload === 'evicted') return 'Its payload was evicted to stay under the total payload cap';
  if (frame.payload === 'truncated') return 'Its payload is longer than the per-message cap: only the start was kept';
  return 'Its payload was not captured';
}

/** Where a replay goes by default: to the peer the message went to. */
export const replayTarget = (frame: Pick<FrameView, 'from'>): 'client' | 'upstream' => (frame.from === 'upstream' ? 'client' : 'upstream');
