// How a session ended, in words, for the session view: who started the WebSocket closing
// handshake with which code and reason, then how the connection itself ended.
import type { CloseFrameInfo } from '../engine/records.ts';

const CODE_NAMES: Record<number, string> = {
  1000: 'normal closure', 1001: 'going away', 1002: 'protocol error', 1003: 'unsupported data', 1007: 'invalid payload data',
  1008: 'policy violation', 1009: 'message too big', 1010: 'mandatory extension', 1011: 'internal error', 1012: 'service restart',
  1013: 'try again later', 1014: 'bad gateway',
};

/** "client sent Close 1000 (normal closure) “bye”"; 'proxy' is Switchyard itself. */
export function closeFrameText(f: CloseFrameInfo): string {
  const who = f.from === 'proxy' ? 'Switchyard' : f.from;
  // (an invalid one without a code: what is wrong with it is the whole story, "a 1-byte payload")
  if (f.invalid && f.code === null) return `${who} sent an invalid Close: ${f.invalid}`;
  const code = f.code === null ? 'without a status code' : `${f.code}${CODE_NAMES[f.code] ? ` (${CODE_NAMES[f.code]})` : ''}`;
  return `${who} sent ${f.invalid ? 'an invalid ' : ''}Close ${code}${f.reason ? ` “${f.reason}”` : ''}${f.invalid ? `: ${f.invalid}` : ''}`;
}

/** The close frame's text, then the connection's end: "client sent Close 4001 “bye” · upstream closed the connection",
 * "… · proxy_read_timeout (1m) expired with no traffic (by proxy)". */
export function sessionEndText(s: { closeFrame: CloseFrameInfo | null; closeReason: string | null; closedBy: string | null }): string {
  const parts: string[] = [];
  // (Switchyard's own close: its reason already names the code)
  if (s.closeFrame && !(s.closeFrame.from === 'proxy' && s.closedBy === 'proxy' && s.closeReason)) parts.push(closeFrameText(s.closeFrame));
  if (s.closeReason) parts.push(`${s.closeReason}${closedByText(s)}`);
  return parts.join(' · ');
}

/** " (by client)" after a close reason, or nothing when the reason says so already. */
export function closedByText(s: { closeReason: string | null; closedBy: string | null }): string {
  return s.closedBy && !(s.closeReason && namesActor(s.closeReason, s.closedBy)) ? ` (by ${s.closedBy})` : '';
}

/** Whether a reason already says who ended the connection ("client closed the connection"), so a
 * "(by client)" after it would only repeat it. */
function namesActor(reason: string, by: string): boolean {
  return ACTOR_WORDS[by]?.test(reason) ?? false;
}
const ACTOR_WORDS: Record<string, RegExp> = { client: /\bclient\b/, upstream: /\bupstream\b/, proxy: /\b(Switchyard|proxy)\b/ };
