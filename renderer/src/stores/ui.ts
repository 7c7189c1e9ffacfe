// Which screen and which row is selected. The screen is kept in the URL hash, and so is the live
// session or exchange selected on it (#/sessions/12, #/http/40), so that a reload opens them again;
// a HAR file's rows are not (its view is gone after a reload, and its numbers are the file's).
import { defineStore } from 'pinia';
import { ref, watch } from 'vue';
import { parseHash, type TabId } from '../util/hash.ts';

export { TABS, type TabId } from '../util/hash.ts';

export const useUi = defineStore('ui', () => {
  const start = parseHash(location.hash);
  const tab = ref<TabId>(start.tab);
  const selectedLocation = ref<{ server: number; location: number } | null>(null);
  const selectedUpstream = ref<number | null>(null);
  const selectedSession = ref<number | null>(start.tab === 'sessions' ? start.id : null);
  const selectedExchange = ref<number | null>(start.tab === 'http' ? start.id : null);
  /** Whether a HAR file is shown instead of live traffic (stores/har-view.ts). */
  const viewingFile = ref(false);
  const hash = () => {
    const id = viewingFile.value ? null : tab.value === 'sessions' ? selectedSession.value : tab.value === 'http' ? selectedExchange.value : null;
    return id === null ? `#/${tab.value}` : `#/${tab.value}/${id}`;
  };
  const write = () => {
    const h = hash();
    if (location.hash !== h) history.replaceState(null, '', h);
  };
  watch(hash, write, { immediate: true });
  // (a hash typed, or gone back or forward to: its number names a live row, none of a HAR file
  // shown, whose numbers are the file's; then the hash names what is selected, also where it named
  // no row and the selection stayed, so that a reload opens that)
  window.addEventListener('hashchange', () => {
    const h = parseHash(location.hash);
    tab.value = h.tab;
    if (!viewingFile.value && h.tab === 'sessions' && h.id !== null) selectedSession.value = h.id;
    if (!viewingFile.value && h.tab === 'http' && h.id !== null) selectedExchange.value = h.id;
    write();
  });
  return { tab, selectedLocation, selectedUpstream, selectedSession, selectedExchange, viewingFile };
});
