// The listeners of the running config that could not bind (a port in use): the feed's, or the last
// apply's answer until the feed's first snapshot. The apply bar says them; the server editor puts
// each beside the listen address that names it.
import { computed } from 'vue';
import { useTraffic } from '../stores/traffic.ts';
import { useConfig } from '../stores/config.ts';
import { listenBindKeys } from '../../../app/proxy/routing.ts';
import type { ListenerView } from '../../../app/api/views.ts';

export function useFailedListeners() {
  const traffic = useTraffic();
  const config = useConfig();
  const failed = computed<ListenerView[]>(() => (traffic.listeners.length ? traffic.listeners : config.lastListeners).filter((l) => l.state === 'failed'));
  /** Why the sockets a listen `address` of the draft names did not bind, when the running config has them failing. */
  function failuresOf(address: unknown): string[] {
    if (!failed.value.length || typeof address !== 'string' || !address) return [];
    const keys = listenBindKeys(address);
    return failed.value.filter((l) => keys.includes(l.key)).map((l) => l.error?.message ?? `cannot listen on ${l.host}:${l.port}`);
  }
  return { failed, failuresOf };
}
