// The route tester's inputs (kept across screens) and its answer over the draft being edited:
// app/proxy/route-test.ts, the engine's own planning, runs here in the renderer as the user types.
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { useConfig } from './config.ts';
import { useTraffic } from './traffic.ts';
import { testRoute, type RouteTestResult } from '../../../app/proxy/route-test.ts';

export const useRouteTest = defineStore('routeTest', () => {
  const config = useConfig();
  const traffic = useTraffic();
  const open = ref(false);
  const input = reactive({ url: '', host: '', listen: '', clientAddress: '', websocket: false, method: 'GET', headers: '' });
  /** null until a URL is typed. */
  const result = computed<RouteTestResult | null>(() => {
    if (input.url.trim() === '') return null;
    return testRoute(JSON.parse(JSON.stringify(config.draft)), { ...input, hostname: traffic.hostname });
  });
  /** The location the tested request lands on (for marking it in the list). */
  const hit = computed(() => {
    const r = result.value;
    if (!open.value || !r?.ok || !r.server || !r.location) return null;
    return { server: r.server.index, location: r.location.index };
  });
  return { open, input, result, hit };
});
