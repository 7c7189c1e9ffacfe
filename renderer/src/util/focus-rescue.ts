// The page's safety net for keyboard users: when the focused control goes away under them (a row's
// ✕ removed its row, a button disabled itself, a session's controls vanished as it closed), the
// focus would fall to the page's body and the next Tab start over at the top. Chromium fires
// `focusout` (with no `relatedTarget`) just before it removes or disables the focused element; a
// moment later, when nothing else took the focus (a view's own choice, such as focusAfterRemoval
// or a panel's opener, runs first), it goes to the nearest place that is still there: the closest
// surviving ancestor if it takes focus (a list), else that ancestor's first control.
// A focus the user let go of (a click on empty space) is left alone: its element is still there
// and enabled (hidden, perhaps, with a menu the click closed).

const FOCUSABLE = 'button:not([disabled]), a[href], input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"]), [contenteditable="true"]';

function shown(el: Element): boolean {
  return el.isConnected && el.getClientRects().length > 0;
}

/** Whether `el` can hold the keyboard focus now. */
function focusable(el: Element): el is HTMLElement {
  return el instanceof HTMLElement && el.matches(FOCUSABLE) && shown(el) && !el.closest('[inert]');
}

/** Where the focus goes once `lost` (with its ancestors, nearest first, as they were) is gone. */
export function rescueTarget(ancestors: readonly Element[]): HTMLElement | null {
  for (const a of ancestors) {
    if (!shown(a)) continue;
    if (focusable(a)) return a;
    for (const c of a.querySelectorAll(FOCUSABLE)) if (focusable(c)) return c;
  }
  return null;
}

/** Installs the net on `doc` (once, at start). Returns the uninstaller. */
export function installFocusRescue(doc: Document = document): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onFocusOut = (e: FocusEvent) => {
    if (e.relatedTarget !== null || !(e.target instanceof Element)) return;
    const lost = e.target;
    const ancestors: Element[] = [];
    for (let a = lost.parentElement; a && a !== doc.body; a = a.parentElement) ancestors.push(a);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const active = doc.activeElement;
      if (active && active !== doc.body) return; // something took it meanwhile
      // still there: the user let go of it (a click on empty space; a menu that folded away with
      // it, the click elsewhere being the user's choice)
      if (lost.isConnected && !lost.matches(':disabled')) return;
      rescueTarget(ancestors)?.focus({ preventScroll: true });
    }, 0);
  };
  doc.addEventListener('focusout', onFocusOut, true);
  return () => {
    clearTimeout(timer);
    doc.removeEventListener('focusout', onFocusOut, true);
  };
}
