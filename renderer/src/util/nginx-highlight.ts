// CodeMirror look for the nginx.conf view: colours from the app's theme variables (style.css), so
// light and dark follow the system setting with no second theme.
import { EditorView } from '@codemirror/view';
import { HighlightStyle, defaultHighlightStyle } from '@codemirror/language';

/**
 * CodeMirror's default highlight rules (which token tags get which style), re-coloured with theme
 * variables. Reusing its rule list keeps the tag sets (keyword, string, comment, number, …) it
 * already defines; only colours listed here change.
 */
const COLOURS: Record<string, string> = {
  '#708': 'var(--syn-keyword)', // directive names
  '#a11': 'var(--syn-string)', // quoted strings
  '#940': 'var(--syn-comment)', // # comments (route labels)
  '#164': 'var(--syn-number)', // counts, sizes, times
  '#219': 'var(--syn-atom)', // keyword arguments (default_server, backup, upgrade) and location modifiers
  '#256': 'var(--syn-variable)', // $variables
  '#404740': 'var(--syn-meta)',
};

export const nginxHighlight = HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) => (typeof spec.color === 'string' && COLOURS[spec.color] ? { ...spec, color: COLOURS[spec.color] } : spec)),
);

export const nginxTheme = EditorView.theme({
  '&': { height: '100%', color: 'var(--fg)', backgroundColor: 'var(--bg)', fontSize: '11.5px' },
  '&.cm-focused': { outline: '2px solid var(--accent)', outlineOffset: '-2px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--bg2)', color: 'var(--fg2)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--hover)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--bg3)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground': { background: 'var(--sel)' },
});
