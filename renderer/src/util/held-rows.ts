// Rows that stay still under the pointer: a list that changes as sessions open and end (new ones go
// on top, ended ones leave a "live" list). While the pointer is over the list, or the keyboard moves
// through it (until focus leaves the list), it keeps the rows it showed, in their places, each with
// its current data (`byId`); rows that would join it wait, and `held` counts them for a "N new"
// button that shows them (showNew). When the pointer leaves, or the filter changes, the list is what
// it would have been.
import { computed, ref, shallowRef, watch, type Ref } from 'vue';

export function useHeldRows<T extends { id: number }>(rows: Ref<T[]>, byId: Ref<ReadonlyMap<number, T>>, filter: () => string) {
  const pointing = ref(false);
  const keying = ref(false);
  /** The ids shown when the hold began, in their order (null: no hold). */
  const kept = shallowRef<number[] | null>(null);
  const update = () => {
    if (!pointing.value && !keying.value) kept.value = null;
    else kept.value ??= rows.value.map((r) => r.id);
  };
  // (a filter changed by the user shows what it matches at once)
  watch(filter, () => {
    if (kept.value) kept.value = rows.value.map((r) => r.id);
  });
  const keptIds = computed(() => (kept.value ? new Set(kept.value) : null));
  return {
    shown: computed(() => {
      if (!kept.value) return rows.value;
      const out: T[] = [];
      for (const id of kept.value) {
        const r = byId.value.get(id);
        if (r) out.push(r); // (one the store dropped goes: an old closed one)
      }
      return out;
    }),
    held: computed(() => (keptIds.value ? rows.value.reduce((n, r) => n + (keptIds.value!.has(r.id) ? 0 : 1), 0) : 0)),
    /** Show the list as it is now (and keep holding it while the pointer stays). */
    showNew() {
      if (kept.value) kept.value = rows.value.map((r) => r.id);
    },
    listeners: {
      pointerenter: () => { pointing.value = true; update(); },
      pointerleave: () => { pointing.value = false; update(); },
      // (a key that moves through the list; a click only focuses it)
      keydown: () => { keying.value = true; update(); },
      focusout: (e: FocusEvent) => {
        if ((e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) return;
        keying.value = false;
        update();
      },
    },
  };
}
