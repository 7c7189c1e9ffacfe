// Where the keyboard focus goes when the control that had it goes away (a deleted item's editor, a
// session's close controls once it closed): to the list it was chosen from, not the page's body.
import { nextTick } from 'vue';

/** Whether `el` is in the page and laid out (not under display: none). */
export function shown(el: Element): boolean {
  return el.isConnected && el.getClientRects().length > 0;
}

/** A panel `panel` finds is closing: when the focus was in it (or lost), after the next render it
 * goes back to the control that opened it, the first of `openers` that is shown (a folded menu's
 * "⋯" when the opener itself is folded away). Call it before the panel is gone (a `pre` watcher). */
export function focusOpener(panel: string, ...openers: string[]): void {
  const active = document.activeElement;
  if (active && active !== document.body && !document.querySelector(panel)?.contains(active)) return;
  void nextTick(() => {
    for (const s of openers) {
      const el = document.querySelector<HTMLElement>(s);
      if (el && shown(el)) return el.focus();
    }
  });
}

/** After the next render, focus the element `selector` finds (when the focus was lost meanwhile). */
export function focusAfterRemoval(selector: string): void {
  void nextTick(() => {
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    document.querySelector<HTMLElement>(selector)?.focus();
  });
}
