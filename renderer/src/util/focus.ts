// Where the keyboard focus goes when the control that had it goes away (a deleted item's editor, a
// session's close controls once it closed): to the list it was chosen from, not the page's body.
import { nextTick } from 'vue';

/** After the next render, focus the element `selector` finds (when the focus was lost meanwhile). */
export function focusAfterRemoval(selector: string): void {
  void nextTick(() => {
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    document.querySelector<HTMLElement>(selector)?.focus();
  });
}
