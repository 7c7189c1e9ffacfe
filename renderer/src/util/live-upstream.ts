// Which running group a draft upstream shows the live state of.
import type { UpstreamStatusView } from '../../../app/api/contract.ts';

/**
 * The running group of the draft upstream at `index`: the one of its name, for the first draft
 * upstream of that name only. A later one of the same name is a duplicate the draft cannot apply
 * (nginx refuses it): it runs nothing, and showing the other group's peers as its own says it does.
 */
export function liveUpstream(draft: ReadonlyArray<{ name?: unknown } | null | undefined>, index: number, running: readonly UpstreamStatusView[]): UpstreamStatusView | undefined {
  const name = draft[index]?.name;
  if (typeof name !== 'string' || draft.findIndex((u) => u?.name === name) !== index) return undefined;
  return running.find((u) => u.name === name);
}
