// The page's safety net for keyboard users: a control pressed with Enter or Space that then goes
// away under them (a row's ✕ removed its row, a button disabled itself while it works, a session's
// close controls vanished as it closed) would drop the focus to the page's body, and the next Tab
// would start over at the top. Chromium fires `focusout` (with no `relatedTarget`) just before it
// removes or disables the focused element; a moment later, when nothing else took the focus (a
// view's own choice, such as focusAfterRemoval or a panel's opener, runs first), it goes to the
// nearest place that is still there: the closest surviving ancestor that takes focus (a list, a
// detail pane), else that ancestor's first control.
// Only then: a focus lost any other way (a field the live data removed while the user typed, a
// control clicked with the mouse) is left alone, so that no key meant for it lands on another
// control.
import { shown } from './focus.ts';

const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

/** Where Enter and Space are typed, not pressed. */
const TEXT_ENTRY = 'input:not([type="button"]):not([type="submit"]):not([type="checkbox"]):not([type="radio"]):not([type="file"]), textarea, select, [contenteditable="true"]';

/** How long after the key press its control may go away and still have its focus moved (the work
 * it starts may wait for the process: a session closes when the engine says so). */
const PRESS_WINDOW_MS = 5000;

/** Whether `el` can hold the keyboard focus now (`container`: also one that takes it from code only). */
function focusable(el: Element, container = false): el is HTMLElement {
  if (!(el instanceof HTMLElement) || !shown(el) || el.closest('[inert]')) return false;
  return el.matches(FOCUSABLE) || (container && el.hasAttribute('tabindex'));
}

/** Where the focus goes once the control with `ancestors` (nearest first, as they were) is gone. */
export function rescueTarget(ancestors: readonly Element[]): HTMLElement | null {
  for (const a of ancestors) {
    if (!shown(a)) continue;
    if (focusable(a, true)) return a;
    for (const c of a.querySelectorAll(FOCUSABLE)) if (focusable(c)) return c;
  }
  return null;
}

/** Installs the net on `doc` (once, at start). Returns the uninstaller. */
export function installFocusRescue(doc: Document = document): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pressed: { el: Element; key: string; at: number } | null = null;
  /** The key still held down when its control went away: its repeats are not presses of the
   * control the focus was moved to (a held Enter on a row's ✕ would go on to press "+ Header"). */
  let held: string | null = null;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === held && e.repeat) {
      e.preventDefault();
      return;
    }
    if (e.key === held) held = null; // (pressed again: its own press)
    if (e.key !== 'Enter' && e.key !== ' ') return;
    // (a key typed into a field presses nothing: a field the live data removes keeps its keys to itself)
    pressed = e.target instanceof Element && !e.target.matches(TEXT_ENTRY) ? { el: e.target, key: e.key, at: Date.now() } : null;
  };
  const onKeyUp = (e: KeyboardEvent) => {
    if (e.key === held) held = null;
  };
  const onPointer = () => {
    pressed = null;
  };
  const onFocusOut = (e: FocusEvent) => {
    if (e.relatedTarget !== null || !(e.target instanceof Element)) return;
    const lost = e.target;
    const press = pressed;
    if (press?.el !== lost || Date.now() - press.at > PRESS_WINDOW_MS) return;
    const ancestors: Element[] = [];
    for (let a = lost.parentElement; a && a !== doc.body; a = a.parentElement) ancestors.push(a);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const active = doc.activeElement;
      if (active && active !== doc.body) return; // something took it meanwhile
      // still there and enabled: the focus was let go of, not taken away
      if (lost.isConnected && !lost.matches(':disabled')) return;
      const to = rescueTarget(ancestors);
      if (!to) return;
      to.focus({ preventScroll: true });
      held = press.key;
    }, 0);
  };
  doc.addEventListener('keydown', onKey, true);
  doc.addEventListener('keyup', onKeyUp, true);
  doc.addEventListener('pointerdown', onPointer, true);
  doc.addEventListener('focusout', onFocusOut, true);
  return () => {
    clearTimeout(timer);
    doc.removeEventListener('keydown', onKey, true);
    doc.removeEventListener('keyup', onKeyUp, true);
    doc.removeEventListener('pointerdown', onPointer, true);
    doc.removeEventListener('focusout', onFocusOut, true);
  };
}
