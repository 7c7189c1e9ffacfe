// Which running group a draft upstream shows the live state of.
import type { UpstreamStatusView } from '../../../app/api/contract.ts';

type Named = { name?: unknown } | null | undefined;

/**
 * The running group of the draft upstream at `index`: the one of its name, for one draft upstream
 * of that name only. Another one of the same name is a duplicate the draft cannot apply (nginx
 * refuses it): it runs nothing, and showing the other group's peers as its own says it does. The
 * one that runs is the draft upstream still at the place the group has in the applied config (one
 * renamed to a running group's name above it is not that group); failing that, the first of the name.
 */
export function liveUpstream(draft: readonly Named[], index: number, running: readonly UpstreamStatusView[], applied: unknown): UpstreamStatusView | undefined {
  const name = draft[index]?.name;
  if (typeof name !== 'string') return undefined;
  const ran = appliedUpstreams(applied).findIndex((u) => u?.name === name);
  const owner = ran >= 0 && draft[ran]?.name === name ? ran : draft.findIndex((u) => u?.name === name);
  return owner === index ? running.find((u) => u.name === name) : undefined;
}

/** The applied config's upstreams (any shape: the config may be missing). */
function appliedUpstreams(applied: unknown): readonly Named[] {
  const list = applied && typeof applied === 'object' ? (applied as { upstreams?: unknown }).upstreams : undefined;
  return Array.isArray(list) ? (list as Named[]) : [];
}
