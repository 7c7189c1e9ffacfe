// The keys of a WAI-ARIA tab list (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): Left and Right
// move to the previous and next tab (wrapping), Home and End to the first and last; the tab moved
// to is selected at once (its click handler runs) and takes the focus. Tabs that are disabled are
// passed over. Each list keeps one tab in the Tab order: the selected one (tabindex 0, the rest -1).
// A radio group (https://www.w3.org/WAI/ARIA/apg/patterns/radio/) moves the same way, with Up and
// Down as well, its checked radio the one in the Tab order.

/** Move among the `role` items of the event's group: `chosen` is the attribute set to "true" on the selected one. */
function moveInGroup(e: KeyboardEvent, role: 'tab' | 'radio', chosen: string, back: readonly string[], on: readonly string[]): void {
  if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const list = e.currentTarget as HTMLElement;
  const items = [...list.querySelectorAll<HTMLButtonElement>(`[role="${role}"]`)].filter((t) => !t.disabled && t.getAttribute('aria-disabled') !== 'true');
  if (items.length === 0) return;
  const at = items.findIndex((t) => t === list.ownerDocument.activeElement);
  const from = at >= 0 ? at : Math.max(0, items.findIndex((t) => t.getAttribute(chosen) === 'true'));
  const to = on.includes(e.key) ? (from + 1) % items.length
    : back.includes(e.key) ? (from + items.length - 1) % items.length
    : e.key === 'Home' ? 0
    : e.key === 'End' ? items.length - 1
    : -1;
  if (to < 0) return;
  e.preventDefault();
  const item = items[to]!;
  if (item.getAttribute(chosen) !== 'true') item.click();
  item.focus();
}

export function onTablistKey(e: KeyboardEvent): void {
  moveInGroup(e, 'tab', 'aria-selected', ['ArrowLeft'], ['ArrowRight']);
}

export function onRadiogroupKey(e: KeyboardEvent): void {
  moveInGroup(e, 'radio', 'aria-checked', ['ArrowLeft', 'ArrowUp'], ['ArrowRight', 'ArrowDown']);
}
