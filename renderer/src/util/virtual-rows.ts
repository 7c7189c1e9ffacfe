// A virtual list of fixed-height rows: only the rows in view (plus `overscan`) are rendered, so the
// cost of a render does not grow with the row count (100,000 frames). Row geometry is plain
// arithmetic on scrollTop, no per-row measurement.
import { computed, onBeforeUnmount, ref, watch, type Ref } from 'vue';

export function useVirtualRows(scroller: Ref<HTMLElement | null>, count: Ref<number>, rowHeight: number, overscan = 10) {
  const scrollTop = ref(0);
  const height = ref(0);
  let observer: ResizeObserver | null = null;

  const onScroll = () => {
    if (scroller.value) scrollTop.value = scroller.value.scrollTop;
  };
  watch(scroller, (el, old) => {
    old?.removeEventListener('scroll', onScroll);
    observer?.disconnect();
    if (!el) return;
    el.addEventListener('scroll', onScroll, { passive: true });
    observer = new ResizeObserver(() => (height.value = el.clientHeight));
    observer.observe(el);
    height.value = el.clientHeight;
    scrollTop.value = el.scrollTop;
  }, { immediate: true });
  onBeforeUnmount(() => {
    scroller.value?.removeEventListener('scroll', onScroll);
    observer?.disconnect();
  });

  const total = computed(() => count.value * rowHeight);
  const range = computed(() => {
    const n = count.value;
    const first = Math.max(0, Math.floor(scrollTop.value / rowHeight) - overscan);
    const last = Math.min(n, Math.ceil((scrollTop.value + height.value) / rowHeight) + overscan);
    return { first, last: Math.max(first, last) };
  });

  function setScrollTop(top: number) {
    const el = scroller.value;
    if (!el) return;
    el.scrollTop = Math.max(0, top);
    scrollTop.value = el.scrollTop;
  }

  /** The last row is in view (reactive: it turns false as rows arrive below the view, before they
   * are rendered; atEnd() reads what is rendered, for scroll events). */
  const endInView = computed(() => scrollTop.value + height.value >= total.value - rowHeight / 2);

  return {
    total,
    range,
    height,
    endInView,
    /** Scroll so that row `i` is in view ('auto': only as far as needed). */
    scrollToRow(i: number, align: 'auto' | 'start' | 'end' = 'auto') {
      const el = scroller.value;
      if (!el) return;
      const top = i * rowHeight;
      const view = el.clientHeight;
      if (align === 'start' || (align === 'auto' && top < el.scrollTop)) setScrollTop(top);
      else if (align === 'end' || (align === 'auto' && top + rowHeight > el.scrollTop + view)) setScrollTop(top + rowHeight - view);
    },
    scrollToEnd() {
      setScrollTop(count.value * rowHeight);
    },
    setScrollTop,
    atEnd(): boolean {
      const el = scroller.value;
      return !el || el.scrollTop + el.clientHeight >= el.scrollHeight - rowHeight / 2;
    },
  };
}
