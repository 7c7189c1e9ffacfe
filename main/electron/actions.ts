// What the menu's items do: dialogs, then the same AppCore/service calls the UI makes. Results and
// problems are shown in message boxes and also land in the service's log (AppCore reports them).
import { dialog, type BrowserWindow } from 'electron';
import { fsReader } from '../nginx/conf-reader.ts';
import { importNginx, importReport } from '../../app/nginx/import.ts';
import { REQUEST_NAMES } from '../../app/api/contract.ts';
import { harOmittedNote } from '../../app/traffic/har-note.ts';
import type { AppCore } from '../persist/boot.ts';
import { writeFileAtomic } from '../persist/atomic.ts';
import type { MenuActions } from './menu.ts';

const JSON_FILTER = [{ name: 'Switchyard workspace', extensions: ['json'] }];
const NGINX_FILTER = [{ name: 'nginx configuration', extensions: ['conf'] }];

/** The service's `saveNginx` in the desktop app: a save dialog, then an atomic write; null when cancelled. */
export function nginxSaver(win: () => BrowserWindow | null): (suggestedName: string, text: string) => Promise<string | null> {
  return async (suggestedName, text) => {
    const w = win();
    const to = w ? await dialog.showSaveDialog(w, { defaultPath: suggestedName, filters: NGINX_FILTER }) : await dialog.showSaveDialog({ defaultPath: suggestedName, filters: NGINX_FILTER });
    if (to.canceled || !to.filePath) return null;
    await writeFileAtomic(to.filePath, text);
    return to.filePath;
  };
}

/**
 * Before the draft would be dropped (quit, another workspace opened): when it has edits that were
 * neither applied nor saved, ask. Resolves true to go on (saved, or discarded), false to stay.
 */
export async function keepDraft(core: AppCore, w: BrowserWindow | null, leaving: string): Promise<boolean> {
  if (!core.hasUnsavedEdits()) return true;
  const o = {
    type: 'question' as const, buttons: ['Save Draft', 'Discard Edits', 'Cancel'], defaultId: 0, cancelId: 2,
    message: 'The draft has edits that were neither applied nor saved.',
    detail: `Save Draft writes it to ${core.path} (as File > Save Workspace) before ${leaving}.`,
  };
  const { response } = w && !w.isDestroyed() ? await dialog.showMessageBox(w, o) : await dialog.showMessageBox(o);
  if (response === 2) return false;
  if (response === 1) return true;
  const r = await core.save();
  if (!r.ok) dialog.showErrorBox('Cannot save the draft', r.message);
  return r.ok;
}

export function menuActions(core: AppCore, win: () => BrowserWindow | null, changed: () => void): MenuActions {
  const info = (message: string, detail = '') => {
    const w = win();
    const o = { type: 'info' as const, message, detail };
    if (w) void dialog.showMessageBox(w, o);
    else void dialog.showMessageBox(o);
  };
  const fail = (message: string, detail = '') => dialog.showErrorBox(message, detail);

  const open = async (file: string) => {
    if (!(await keepDraft(core, win(), 'opening another workspace'))) return;
    const r = await core.open(file);
    for (const n of r.notices) (n.level === 'error' ? fail : info)(n.code === 'migrated' ? 'Workspace updated' : 'Workspace problem', n.message);
    changed();
  };
  const saveAs = async () => {
    const w = win();
    const pick = w ? await dialog.showSaveDialog(w, { filters: JSON_FILTER, defaultPath: 'switchyard.json' }) : await dialog.showSaveDialog({ filters: JSON_FILTER });
    if (pick.canceled || !pick.filePath) return;
    const r = await core.save(pick.filePath);
    if (!r.ok) fail('Cannot save the workspace', r.message);
    changed();
  };
  const exportText = async (request: string, params: unknown, defaultPath: string, filters: Electron.FileFilter[], pick: (v: unknown) => string) => {
    const r = await core.service.handle(request, params);
    if (!r.ok) return fail(r.error.code === 'too_large' ? 'Too large to export' : 'Nothing to export', r.error.message);
    const w = win();
    const to = w ? await dialog.showSaveDialog(w, { defaultPath, filters }) : await dialog.showSaveDialog({ defaultPath, filters });
    if (to.canceled || !to.filePath) return;
    const text = pick(r.value);
    try {
      await writeFileAtomic(to.filePath, text);
    } catch (e) {
      return fail(`Cannot write ${to.filePath}`, (e as Error).message);
    }
    // (a HAR past what an import reads was saved without its oldest payloads: its note says so)
    const note = request === 'exportHar' ? harOmittedNote(text) : null;
    if (note) info('Saved without the oldest payloads', note);
  };

  return {
    openWorkspace: () => void (async () => {
      const w = win();
      const pick = w ? await dialog.showOpenDialog(w, { filters: JSON_FILTER, properties: ['openFile'] }) : await dialog.showOpenDialog({ filters: JSON_FILTER, properties: ['openFile'] });
      if (!pick.canceled && pick.filePaths[0]) await open(pick.filePaths[0]);
    })(),
    openRecent: (file) => void open(file),
    saveWorkspace: () => void core.save().then((r) => { if (!r.ok) fail('Cannot save the workspace', r.message); }),
    saveWorkspaceAs: () => void saveAs(),
    importNginx: () => void (async () => {
      const w = win();
      const filters = [{ name: 'nginx configuration', extensions: ['conf'] }, { name: 'All files', extensions: ['*'] }];
      const pick = w ? await dialog.showOpenDialog(w, { filters, properties: ['openFile'] }) : await dialog.showOpenDialog({ filters, properties: ['openFile'] });
      if (pick.canceled || !pick.filePaths[0]) return;
      // (the import replaces the draft: unsaved edits are asked about first, as opening a workspace asks)
      if (!(await keepDraft(core, win(), 'importing an nginx.conf'))) return;
      try {
        const r = await importNginx(pick.filePaths[0], fsReader);
        await core.service.handle('setDraft', { draft: r.config });
        const lines = importReport(r);
        info('Imported into the draft: review it, then apply', lines.slice(0, 30).join('\n') + (lines.length > 30 ? `\n… and ${lines.length - 30} more` : ''));
      } catch (e) {
        fail('Cannot import this nginx.conf', (e as Error).message);
      }
    })(),
    // through the service, so the nginx.conf screen's diff knows this export was taken
    exportNginx: () => void core.service.handle('saveNginx', { source: 'draft', shape: 'full' }).then((r) => { if (!r.ok) fail('Nothing to export', r.error.message); }),
    exportHar: () => void exportText('exportHar', {}, 'switchyard.har', [{ name: 'HTTP Archive', extensions: ['har'] }], (v) => v as string),
  };
}

