// Which screen and which row is selected; the screen is kept in the URL hash.
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export const TABS = [
  { id: 'routes', label: 'Routes', key: '1' },
  { id: 'upstreams', label: 'Upstreams', key: '2' },
  { id: 'sessions', label: 'Sessions', key: '3' },
  { id: 'http', label: 'HTTP log', key: '4' },
  { id: 'nginx', label: 'nginx.conf', key: '5' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

function fromHash(): TabId {
  const h = location.hash.replace(/^#\/?/, '');
  return (TABS.find((t) => t.id === h)?.id ?? 'routes') as TabId;
}

export const useUi = defineStore('ui', () => {
  const tab = ref<TabId>(fromHash());
  const selectedLocation = ref<{ server: number; location: number } | null>(null);
  const selectedUpstream = ref<number | null>(null);
  const selectedSession = ref<number | null>(null);
  const selectedExchange = ref<number | null>(null);
  watch(tab, (t) => history.replaceState(null, '', `#/${t}`), { immediate: true });
  window.addEventListener('hashchange', () => (tab.value = fromHash()));
  return { tab, selectedLocation, selectedUpstream, selectedSession, selectedExchange };
});
