// Which of two views of one session is the later: a session only moves on (connecting, open, then
// closed or refused) and its byte and frame counts only grow. The page gets views two ways, the feed
// and the answer to its `session` request, and the answer may come after the feed's newer view.
import type { SessionState, SessionView } from '../api/views.ts';

const STAGE: Record<SessionState, number> = { connecting: 0, open: 1, closed: 2, rejected: 2 };
const counted = (s: SessionView) => s.bytesFromClient + s.bytesFromUpstream + s.framesFromClient + s.framesFromUpstream + (s.framesInjected ?? 0);

/** Whether `a` is a view of the session from before `b`: an earlier state, or fewer bytes or frames. */
export function isEarlierView(a: SessionView, b: SessionView): boolean {
  if (STAGE[a.state] !== STAGE[b.state]) return STAGE[a.state] < STAGE[b.state];
  return counted(a) < counted(b);
}
