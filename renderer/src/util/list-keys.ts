// Keyboard navigation for a selectable list: ↑/↓ (or k/j), Home/End, PageUp/PageDown. The item
// moved to is scrolled into view: the selected row inside `container`, or by `reveal` (a virtual
// list, which may not have that row rendered yet).
import { nextTick } from 'vue';

export function listKeys<T>(items: () => readonly T[], current: () => T | null | undefined, select: (item: T) => void, container?: () => HTMLElement | null | undefined, reveal?: (index: number) => void) {
  return (e: KeyboardEvent) => {
    const list = items();
    if (!list.length) return;
    const cur = current();
    const i = cur === null || cur === undefined ? -1 : list.indexOf(cur);
    let next = i;
    if (e.key === 'ArrowDown' || e.key === 'j') next = Math.min(list.length - 1, i + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') next = Math.max(0, i - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    else if (e.key === 'PageDown') next = Math.min(list.length - 1, i + 10);
    else if (e.key === 'PageUp') next = Math.max(0, i - 10);
    else return;
    e.preventDefault();
    if (next !== i && next >= 0) {
      select(list[next]!);
      if (reveal) reveal(next);
      else void nextTick(() => container?.()?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' }));
    }
  };
}
