// The draft being edited and the config that runs. Validation is app/config/validate.ts on every
// change (the same function the engine uses), so errors show next to the field as you type.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api } from '../api/index.ts';
import { validateConfig } from '../../../app/config/validate.ts';
import { configWarnings } from '../../../app/config/warnings.ts';
import type { ConfigIssue } from '../../../app/config/issues.ts';
import type { ConfigInput } from '../../../app/config/schema.ts';
import type { ApiError, ConfigState, ListenerView, Result } from '../../../app/api/contract.ts';
import { emptyConfig, sameConfig } from '../../../app/api/draft.ts';
import { shapeBreaks } from '../../../app/api/draft-shape.ts';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v ?? null)) as T;
const SYNC_DELAY_MS = 300;

function asDraft(doc: unknown): ConfigInput {
  // (a hand-written draft that is no object, a list or a number, stays what it is: the route and
  // upstream screens show it to be taken out, app/api/draft-shape.ts)
  if (doc === undefined) return emptyConfig();
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return clone(doc) as ConfigInput;
  const d = clone(doc) as ConfigInput;
  d.upstreams ??= [];
  d.servers ??= [];
  return d;
}

/** Whether `p` is `path` or a path inside it (`path.x`, `path[0]`). */
const within = (p: string, path: string) => p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`);

export const useConfig = defineStore('config', () => {
  const draft = ref<ConfigInput>(emptyConfig());
  const applied = ref<unknown>(null);
  const appliedAt = ref<number | null>(null);
  const canUndo = ref(false);
  /** `ui --config FILE`: the file, which applies are not saved to. */
  const readOnlyFile = ref<string | null>(null);
  const loaded = ref(false);
  const busy = ref(false);
  /** The last apply's refusal (validation issues or engine errors). */
  const applyError = ref<ApiError | null>(null);
  /** Listener states after the last apply (a port in use shows here). */
  const lastListeners = ref<ListenerView[]>([]);
  /** What the last apply or undo did, when more than "Applied" (the apply bar says that itself). */
  const lastAppliedMessage = ref('');
  let lastSynced = '';

  const validation = computed(() => validateConfig(clone(draft.value)));
  const issues = computed<ConfigIssue[]>(() => (validation.value.ok ? [] : validation.value.issues));
  /** What nginx -t warns of and takes (a conflicting server name), for a valid draft. */
  const warnings = computed<ConfigIssue[]>(() => (validation.value.ok ? configWarnings(validation.value.config) : []));
  const issuesByPath = computed(() => {
    const m = new Map<string, ConfigIssue[]>();
    for (const i of issues.value) m.set(i.path, [...(m.get(i.path) ?? []), i]);
    return m;
  });
  const dirty = computed(() => !sameConfig(clone(draft.value), applied.value));
  /** Issues of the document itself (a missing schemaVersion, an unknown top-level key): not in a
   * server or an upstream, so no editor shows them. */
  const documentIssues = computed(() => issues.value.filter((i) => !/^(servers|upstreams)\[/.test(i.path)));
  /** Where the draft has not the shape the editors read (a hand-written `"servers": [null]`): the
   * route and upstream screens show these to be taken out instead of their lists. */
  const shapeProblems = computed(() => shapeBreaks(draft.value));

  /** The last apply's refusal placed by path (a host name that does not resolve), while the draft
   * is the one refused: shown at its fields like the draft's own issues, though Apply may be tried
   * again as it is (a name may resolve a moment later). */
  const refusedDraft = ref('');
  const refusedIssues = computed<ConfigIssue[]>(() => (applyError.value?.issues && JSON.stringify(draft.value) === refusedDraft.value ? applyError.value.issues.filter((i) => i.path) : []));

  /** Issues exactly at `path`. */
  function at(path: string): ConfigIssue[] {
    const own = issuesByPath.value.get(path) ?? [];
    return refusedIssues.value.length ? [...own, ...refusedIssues.value.filter((i) => i.path === path)] : own;
  }
  /** Issues at `path` or inside it. */
  function under(path: string): ConfigIssue[] {
    return [...issues.value, ...refusedIssues.value].filter((i) => within(i.path, path));
  }
  /** Warnings at `path` (or inside it, `deep`). */
  function warningsAt(path: string, deep = false): ConfigIssue[] {
    return warnings.value.filter((i) => (deep ? within(i.path, path) : i.path === path));
  }

  /** The newest state received: its service run and revision. States come by two ways, the feed and
   * the answers to requests, and either may be late: an apply's answer can come after the feed's
   * state of the user's next edit. A state older than one received is dropped. */
  let newest = { instance: '', revision: -1 };
  /** The newest revision received when the page last sent the draft (setDraft, apply, undo): the
   * service had at least that one when it took the draft sent, so a state at or below it is older
   * than that draft, and does not give its draft (though an apply refused answers with no state). */
  let sentOver = -1;
  /** Requests in flight that change the draft: until they are answered, a received state may be
   * older than what they sent, so its draft waits in `held`. */
  const sending = new Set<Promise<unknown>>();
  let held: ConfigState | null = null;

  /** Config state from the service (first load, feed, answers). Local edits not yet sent win, and
   * so do the edits sent while the state is older than them; `replaceEdits` (Undo apply's answer):
   * its draft replaces the local one as it is. */
  function receive(s: ConfigState, replaceEdits = false) {
    if (s.instance === newest.instance) {
      if (s.revision < newest.revision) return;
    } else sentOver = -1; // (another run of the service: its revisions start again)
    newest = { instance: s.instance, revision: s.revision };
    applied.value = s.applied;
    appliedAt.value = s.appliedAt;
    canUndo.value = s.canUndo;
    readOnlyFile.value = s.readOnlyFile ?? null;
    held = null;
    if (sending.size && loaded.value && !replaceEdits) held = s;
    else takeDraft(s, replaceEdits);
    loaded.value = true;
  }

  function takeDraft(s: ConfigState, replaceEdits = false) {
    if (loaded.value && !replaceEdits && (s.revision <= sentOver || JSON.stringify(draft.value) !== lastSynced)) return;
    draft.value = asDraft(s.draft);
    lastSynced = JSON.stringify(draft.value);
  }

  /** `request`, which sends the draft, counted in `sending`; its answer's state is received, then a
   * newer one held meanwhile gives its draft. */
  async function send<T>(request: () => Promise<Result<T>>, stateOf: (v: T) => ConfigState, replaceEdits = false): Promise<Result<T>> {
    sentOver = Math.max(sentOver, newest.revision);
    const flight = request();
    sending.add(flight);
    let r: Result<T>;
    try {
      r = await flight;
    } finally {
      sending.delete(flight);
    }
    if (r.ok) receive(stateOf(r.value), replaceEdits);
    if (!sending.size && held) {
      const h = held;
      held = null;
      takeDraft(h);
    }
    return r;
  }

  let timer: ReturnType<typeof setTimeout> | null = null;
  watch(draft, () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void syncDraft(), SYNC_DELAY_MS);
  }, { deep: true });
  /** Send an edit still in its wait for more typing now, and wait for the answers to every draft
   * sent: then the service has the draft shown (an export of the draft is of it). */
  async function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      void syncDraft();
    }
    await Promise.all(sending);
  }
  // an edit made just before the page goes (a reload, a closed tab) is sent now, not lost with the
  // timer (the request is made at once, and outlives the page: api/client.ts)
  addEventListener('pagehide', () => void flush());

  async function syncDraft() {
    timer = null;
    const text = JSON.stringify(draft.value);
    if (text === lastSynced) return;
    lastSynced = text;
    const r = await send(() => api.setDraft({ draft: JSON.parse(text) }), (v) => v);
    if (!r.ok) {
      lastSynced = ''; // (sent again with the next edit)
      applyError.value = { ...r.error, message: `the draft was not sent: ${r.error.message}` };
    }
  }

  async function apply() {
    busy.value = true;
    applyError.value = null;
    try {
      const doc = clone(draft.value);
      const sent = JSON.stringify(doc);
      lastSynced = sent;
      const r = await send(() => api.apply({ draft: doc }), (v) => v.config);
      if (!r.ok) {
        applyError.value = r.error;
        refusedDraft.value = sent; // (not what was typed and sent while the apply ran)
        return false;
      }
      lastListeners.value = r.value.listeners;
      lastAppliedMessage.value = ''; // (the apply bar says "Applied" with the listeners that failed)
      return true;
    } finally {
      busy.value = false;
    }
  }

  async function undo() {
    busy.value = true;
    applyError.value = null;
    // the draft becomes the config that runs again: what it held is kept as Revert keeps it, for
    // Restore edits: its edits that were never applied, or else the config the undo stops running
    // (then Restore edits and Apply redo it; either had been dropped with no way back)
    const edits = draft.value;
    try {
      const r = await send(() => api.undoApply({}), (v) => v.config, true);
      if (!r.ok) {
        applyError.value = r.error;
        return;
      }
      lastListeners.value = r.value.listeners;
      reverted.value = edits;
      lastAppliedMessage.value = 'Went back to the config before the last apply';
    } finally {
      busy.value = false;
    }
  }

  /** The edits Revert (or Undo apply) dropped, or the config Undo apply stopped running, until they
   * are restored or the draft is edited again: one step back. */
  const reverted = ref<ConfigInput | null>(null);
  watch(dirty, (d) => {
    if (d) reverted.value = null;
  });

  function revert() {
    if (applied.value !== null) {
      reverted.value = draft.value;
      draft.value = asDraft(applied.value);
    }
    applyError.value = null;
  }

  /** A whole new draft (an imported nginx.conf): sent to the service as any edit is. */
  function replaceDraft(doc: unknown) {
    reverted.value = null;
    draft.value = asDraft(doc);
    applyError.value = null;
  }

  function restore() {
    if (reverted.value === null) return;
    draft.value = reverted.value;
    reverted.value = null;
  }

  async function load() {
    const r = await api.getConfig({});
    if (r.ok) receive(r.value);
  }

  return { draft, applied, appliedAt, canUndo, readOnlyFile, loaded, busy, applyError, lastListeners, lastAppliedMessage, issues, warnings, documentIssues, shapeProblems, dirty, at, under, warningsAt, receive, apply, undo, revert, reverted, restore, replaceDraft, load, flush };
});
