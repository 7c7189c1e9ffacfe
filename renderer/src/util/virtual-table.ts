// A virtual table (the sessions list, the HTTP log): of its rows, only those in view of the scroller
// (plus a few) are rendered, between two spacer rows that keep the scroll height. A render then
// costs the ~40 rows in view, not the 2,000 exchanges or 500 sessions a list can hold while the
// feed updates it several times a second. Rows have one fixed height (style.css: table.grid.virtual);
// the sticky header row is measured, so that scrolling to a row keeps it clear of the header.
import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue';
import { useVirtualRows } from './virtual-rows.ts';

/** A row's height in px (style.css: `table.grid.virtual tbody tr[role="option"]`). */
export const TABLE_ROW_PX = 20;

export function useVirtualTable<T>(scroller: Ref<HTMLElement | null>, head: Ref<HTMLElement | null>, rows: Ref<readonly T[]>) {
  const headPx = ref(TABLE_ROW_PX);
  let resize: ResizeObserver | undefined;
  // (the header wraps onto two lines in a narrow pane)
  watch(head, (el) => {
    resize?.disconnect();
    if (!el) return;
    headPx.value = el.offsetHeight;
    resize = new ResizeObserver(() => (headPx.value = el.offsetHeight));
    resize.observe(el);
  }, { immediate: true, flush: 'post' });
  onBeforeUnmount(() => resize?.disconnect());

  const count = computed(() => rows.value.length);
  const virt = useVirtualRows(scroller, count, TABLE_ROW_PX, { overscan: 8, startPx: headPx });
  const range = computed(() => ({ first: Math.min(virt.range.value.first, count.value), last: Math.min(virt.range.value.last, count.value) }));
  return {
    /** The rows to render, in order. */
    shown: computed(() => rows.value.slice(range.value.first, range.value.last)),
    /** The spacers' heights (px) before and after them. */
    before: computed(() => range.value.first * TABLE_ROW_PX),
    after: computed(() => (count.value - range.value.last) * TABLE_ROW_PX),
    /** Row `i` is rendered. */
    rendered: (i: number) => i >= range.value.first && i < range.value.last,
    /** Scroll only as far as needed for row `i` to be in view. */
    reveal: (i: number) => virt.scrollToRow(i),
  };
}
