// Why the open frame log starts after its session's first frame: the note over the log names the
// cause that holds (a burst the live feed skipped is not one of them: the log says that apart, with
// a reload, as the service still has those frames).

export interface OlderFrames {
  /** Frames of the session the service no longer had when its log was fetched (the seq of the
   * first row it sent). */
  notKept: number;
  /** Frames the session had logged then (the last row's seq + 1). */
  logged: number;
  /** The frames kept per session (Capture settings) then; null when not known. */
  cap: number | null;
  /** Rows the window dropped past its own limit (`windowMax`) since. */
  trimmed: number;
  windowMax: number;
  /** The log is an imported file's: what it lacks, the log that exported it no longer kept. */
  imported?: boolean;
}

const n = (x: number) => x.toLocaleString('en-US');

/** The note, or '' when no older frame is missing. The per-session cap is named only for the frames
 * it accounts for (the session logged more than it keeps); the rest went to the limit over all
 * sessions, which the service keeps by cutting the largest logs. */
export function olderFramesNote(o: OlderFrames): string {
  const count = o.notKept + o.trimmed;
  if (!count) return '';
  const causes: string[] = [];
  if (o.imported) {
    if (o.notKept) causes.push('the file does not have them (the log that exported it no longer kept them)');
  } else if (o.cap === null) {
    if (o.notKept) causes.push('past the frames the traffic log keeps (Capture settings)');
  } else {
    const pastCap = Math.min(o.notKept, Math.max(0, o.logged - o.cap));
    if (pastCap) causes.push('past the frames kept per session (Capture settings)');
    if (o.notKept > pastCap) causes.push(`${pastCap ? `${n(o.notKept - pastCap)} ` : ''}past the frames kept over all sessions (the largest logs give up their oldest)`);
  }
  if (o.trimmed) causes.push(`${causes.length ? `${n(o.trimmed)} ` : ''}past the ${n(o.windowMax)} rows this window holds`);
  return `${n(count)} older frame${count === 1 ? ' is' : 's are'} not kept: ${causes.join('; ')}, the oldest go first.`;
}
