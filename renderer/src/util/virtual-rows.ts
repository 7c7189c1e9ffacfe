// A virtual list of fixed-height rows on @tanstack/vue-virtual: only the rows in view (plus
// `overscan`) are rendered, so the cost of a render does not grow with the row count (100,000
// frames). The frame log's own rules (follow the tail, keep the rows in view still when older ones
// are dropped, keyboard paging) sit on the few calls below. `startPx`: what lies above the first row
// in the scroller (a table's sticky header row), which scrolling to a row keeps clear of.
import { computed, type Ref } from 'vue';
import { useVirtualizer } from '@tanstack/vue-virtual';

export function useVirtualRows(scroller: Ref<HTMLElement | null>, count: Ref<number>, rowHeight: number, opts: { overscan?: number; startPx?: Ref<number> } = {}) {
  const virtualizer = useVirtualizer(computed(() => ({
    count: count.value,
    getScrollElement: () => scroller.value,
    estimateSize: () => rowHeight,
    overscan: opts.overscan ?? 10,
    paddingStart: opts.startPx?.value ?? 0,
    scrollPaddingStart: opts.startPx?.value ?? 0,
  })));

  const total = computed(() => virtualizer.value.getTotalSize());
  const range = computed(() => {
    const items = virtualizer.value.getVirtualItems();
    const first = items[0]?.index ?? 0;
    return { first, last: items.length ? items[items.length - 1]!.index + 1 : first };
  });
  const height = computed(() => virtualizer.value.scrollRect?.height ?? 0);
  /** The last row is in view (reactive: it turns false as rows arrive below the view, before they
   * are rendered; atEnd() reads what is rendered, for scroll events). */
  const endInView = computed(() => (virtualizer.value.scrollOffset ?? 0) + height.value >= total.value - rowHeight / 2);

  return {
    total,
    range,
    height,
    endInView,
    /** Scroll so that row `i` is in view ('auto': only as far as needed). */
    scrollToRow(i: number, align: 'auto' | 'start' | 'end' = 'auto') {
      virtualizer.value.scrollToIndex(i, { align });
    },
    scrollToEnd() {
      virtualizer.value.scrollToEnd();
    },
    setScrollTop(top: number) {
      virtualizer.value.scrollToOffset(Math.max(0, top));
    },
    atEnd(): boolean {
      const el = scroller.value;
      return !el || el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight / 2;
    },
  };
}
