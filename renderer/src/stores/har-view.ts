// A HAR file opened for viewing: while one is open, the Sessions and HTTP log screens show its
// sessions, frames and exchanges instead of live traffic. The live feed keeps running underneath
// (stores/traffic.ts goes on receiving it); going back shows it again, with the rows that were
// selected before. The file is read by the service (`importHar`); it never joins the live log.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/index.ts';
import { API_LIMITS, type ExchangeBody, type FramePayload, type ImportedHar } from '../../../app/api/contract.ts';
import { useTraffic } from './traffic.ts';
import { useUi } from './ui.ts';
import { utf8FileText } from '../util/file-text.ts';

export interface OpenHar extends ImportedHar {
  /** The file's name as the user picked it. */
  file: string;
}

export const useHarView = defineStore('harView', () => {
  const har = shallowRef<OpenHar | null>(null);
  const active = computed(() => har.value !== null);
  /** Why the last file could not be opened ('' when it could). */
  const error = ref('');
  const loading = ref(false);
  const sessions = computed(() => har.value?.sessions.map((s) => s.session) ?? []);
  const exchanges = computed(() => har.value?.exchanges ?? []);
  /** The live rows selected when the file was opened, selected again on the way back. */
  let live = { session: null as number | null, exchange: null as number | null };

  /** Read `file` and show it; a file that does not import changes nothing and says why. */
  async function open(file: File): Promise<boolean> {
    error.value = '';
    if (file.size > API_LIMITS.maxImportHarBytes) {
      error.value = `Could not import ${file.name}: it is ${(file.size / 1024 / 1024).toFixed(1)} MiB, over the import limit of ${API_LIMITS.maxImportHarBytes / 1024 / 1024} MiB`;
      return false;
    }
    loading.value = true;
    try {
      // (not file.text(): it would turn bytes of another encoding into U+FFFD without a word)
      const text = utf8FileText(new Uint8Array(await file.arrayBuffer()));
      if (!text.ok) {
        error.value = `Could not import ${file.name}: ${text.message}`;
        return false;
      }
      const r = await api.importHar({ text: text.text });
      if (!r.ok) {
        error.value = `Could not import ${file.name}: ${r.error.message}`;
        return false;
      }
      const ui = useUi();
      if (!har.value) live = { session: ui.selectedSession, exchange: ui.selectedExchange };
      har.value = { ...r.value, file: file.name };
      ui.viewingFile = true;
      ui.selectedSession = null;
      ui.selectedExchange = null;
      void useTraffic().openFrames(null);
      return true;
    } catch (e) {
      error.value = `Could not import ${file.name}: ${(e as Error).message}`;
      return false;
    } finally {
      loading.value = false;
    }
  }

  /** Back to live traffic. */
  function close() {
    if (!har.value) return;
    har.value = null;
    error.value = '';
    const ui = useUi();
    ui.viewingFile = false;
    ui.selectedSession = live.session;
    ui.selectedExchange = live.exchange;
    void useTraffic().openFrames(ui.selectedSession);
  }

  const sessionOf = (id: number) => har.value?.sessions.find((s) => s.session.id === id) ?? null;
  /** An imported message's payload as the file has it (no request: the file was read whole). */
  const payloadOf = (id: number, seq: number): FramePayload | null => sessionOf(id)?.payloads[seq] ?? null;

  /** An imported exchange's body as the file has it, or null. */
  const bodyOf = (id: number, side: 'request' | 'response'): ExchangeBody | null => har.value?.bodies[id]?.[side] ?? null;

  return { har, active, error, loading, sessions, exchanges, open, close, sessionOf, payloadOf, bodyOf };
});
