// The screens, and what a URL hash names (#/sessions/12: the Sessions screen, session 12). No DOM
// here: stores/ui.ts reads and writes the hash.

export const TABS = [
  { id: 'routes', label: 'Routes', key: '1' },
  { id: 'upstreams', label: 'Upstreams', key: '2' },
  { id: 'sessions', label: 'Sessions', key: '3' },
  { id: 'http', label: 'HTTP log', key: '4' },
  { id: 'nginx', label: 'nginx.conf', key: '5' },
] as const;
export type TabId = (typeof TABS)[number]['id'];

/** The screen and the selected row's number the hash names (#/sessions/12); the Routes screen
 * for a hash that names no screen, no row for a number that is not one. */
export function parseHash(hash: string): { tab: TabId; id: number | null } {
  const [name = '', row] = hash.replace(/^#\/?/, '').split('/');
  const tab = (TABS.find((t) => t.id === name)?.id ?? 'routes') as TabId;
  const id = (tab === 'sessions' || tab === 'http') && row !== undefined && /^[1-9][0-9]{0,14}$/.test(row) ? Number(row) : null;
  return { tab, id };
}

