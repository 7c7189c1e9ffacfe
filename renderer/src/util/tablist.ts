// The keys of a WAI-ARIA tab list (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/): Left and Right
// move to the previous and next tab (wrapping), Home and End to the first and last; the tab moved
// to is selected at once (its click handler runs) and takes the focus. Tabs that are disabled are
// passed over. Each list keeps one tab in the Tab order: the selected one (tabindex 0, the rest -1).
export function onTablistKey(e: KeyboardEvent): void {
  if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
  const list = e.currentTarget as HTMLElement;
  const tabs = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')].filter((t) => !t.disabled && t.getAttribute('aria-disabled') !== 'true');
  if (tabs.length === 0) return;
  const at = tabs.findIndex((t) => t === list.ownerDocument.activeElement);
  const from = at >= 0 ? at : Math.max(0, tabs.findIndex((t) => t.getAttribute('aria-selected') === 'true'));
  const to = e.key === 'ArrowRight' ? (from + 1) % tabs.length
    : e.key === 'ArrowLeft' ? (from + tabs.length - 1) % tabs.length
    : e.key === 'Home' ? 0
    : e.key === 'End' ? tabs.length - 1
    : -1;
  if (to < 0) return;
  e.preventDefault();
  const tab = tabs[to]!;
  if (tab.getAttribute('aria-selected') !== 'true') tab.click();
  tab.focus();
}
