// The app's core, shared by the Electron shell and `switchyard ui` (without --config): open the
// saved workspace (or the first-run example), start the built-in echo server when the config uses
// it, run the engine and the service, and save the config whenever a new one is applied. The
// service settings (redaction) are saved in the app state (recent.ts) whenever they change, and
// restored at start.
//
// Which file opens: `workspace` if given, else the workspace open last (state.json), else the
// user-data config.json; when that does not exist yet, the first-run example (first-run.ts).
// Load problems (damaged file, backup used, migration) come back as `notices` and are also put in
// the service's log, so the UI shows them.
import { mkdir } from 'node:fs/promises';
import { Engine } from '../engine/engine.ts';
import { SwitchyardService, type ServiceOptions } from '../service/service.ts';
import type { Result, ServiceSettings } from '../../app/api/contract.ts';
import { validateConfig } from '../../app/config/validate.ts';
import { notAppliedMessage } from '../config/load.ts';
import { loadDocument, saveDocument, type PersistNotice, type SaveOutcome } from './document.ts';
import { defaultConfigPath, statePath } from './paths.ts';
import { loadAppState, writeAppState, withRecent, MAX_ECHO_ADDRESSES, type AppState } from './recent.ts';
import { echoServerIndex, firstRunConfig, pointEchoUpstream } from './first-run.ts';
import { startEchoServer, type EchoServer } from '../echo/echo-server.ts';

export interface BootOptions {
  userDataDir: string;
  /** Open this workspace file instead of the last one. */
  workspace?: string;
  /** The first-run example's listener port (8080; tests pass a free one). */
  firstRunPort?: number;
  /** Tests: inject a frame tap (see ServiceOptions). */
  frameTap?: ServiceOptions['frameTap'];
}

export type OpenOutcome = { ok: true; notices: PersistNotice[] } | { ok: false; notices: PersistNotice[] };

export class AppCore {
  private savedJson: string | null = null;
  /** What `file` held when the app last read or wrote it (JSON), to notice edits made elsewhere. */
  /** What each workspace file read or written here holds (null: it did not exist), so that a save
   * finds out when it was changed outside Switchyard meanwhile: the current one, and one an apply
   * begun there saves to after another was opened. */
  private disk = new Map<string, string | null>();
  /** The last autosave of the current file failed: what runs is not in it. */
  private unsaved = false;
  private saving: Promise<unknown> = Promise.resolve();
  /** The outcome of the last save asked for (null: none was). */
  private lastSave: Promise<SaveOutcome> | null = null;
  private stateSaving: Promise<void> = Promise.resolve();
  private echo: EchoServer | null = null;

  private constructor(
    readonly engine: Engine,
    readonly service: SwitchyardService,
    readonly userDataDir: string,
    private state: AppState,
    /** The file the config is saved to. */
    public path: string,
  ) {}

  static async start(o: BootOptions): Promise<{ core: AppCore; notices: PersistNotice[]; firstRun: boolean }> {
    await mkdir(o.userDataDir, { recursive: true });
    const { state, notices: stateNotices } = await loadAppState(o.userDataDir);
    const fallback = defaultConfigPath(o.userDataDir);
    let path = o.workspace ?? state.lastWorkspace ?? fallback;
    // a workspace (given on the command line, or the one open last) is opened as File > Open opens
    // one: when it is no config (a hand edit broke it, it cannot be read, a folder is there) it
    // stays as it is, and the user-data config opens instead (so no Apply writes over it)
    let loaded = await loadDocument(path, { opening: path !== fallback });
    if (path !== fallback && loaded.source === 'none' && loaded.notices.length > 0) {
      stateNotices.push(...loaded.notices, { level: 'warn', code: 'workspace_not_opened', file: path, message: `opened ${fallback} instead of ${path}: fix that file and open it again (File › Open, or --workspace)` });
      path = fallback;
      loaded = await loadDocument(path);
    }
    // The last workspace was deleted or moved: back to the user-data config.
    if (loaded.source === 'none' && loaded.notices.length === 0 && !o.workspace && path !== fallback) {
      stateNotices.push({ level: 'warn', code: 'missing_workspace', file: path, message: `the workspace open last, ${path}, is not there any more; opened ${fallback} instead.` });
      path = fallback;
      loaded = await loadDocument(path);
    }
    const notices = [...stateNotices, ...loaded.notices];
    const engine = new Engine();
    const service = await SwitchyardService.create(engine, { initialDraft: {}, frameTap: o.frameTap });
    const core = new AppCore(engine, service, o.userDataDir, state, path);
    core.disk.set(path, loaded.source === 'file' ? JSON.stringify(loaded.doc) : null);
    // (an apply belongs to the workspace current when it was asked for, not when its turn came)
    service.onApplyAsked = () => core.path;
    service.onApplied = (applied, askedIn) => core.autosave(applied, typeof askedIn === 'string' ? askedIn : core.path);
    if (state.settings) await service.handle('setSettings', state.settings);
    service.onSettingsChange = (s) => core.saveSettings(s);

    const firstRun = loaded.doc === null;
    let doc = loaded.doc;
    if (doc === null) {
      core.echo = await core.startEcho();
      doc = firstRunConfig({ listenPort: o.firstRunPort, echoAddress: core.echo.address });
    } else {
      core.savedJson = JSON.stringify(doc);
    }
    // (an apply that fails, such as a name that does not resolve, is in the log and among the notices)
    const refused = await core.run(doc);
    // (a workspace given on the command line joins Open Recent and opens next time, as an opened one)
    if (o.workspace !== undefined && path === o.workspace) await core.remember(path);
    core.report(notices);
    return { core, notices: [...notices, ...refused], firstRun };
  }

  get recent(): readonly string[] {
    return this.state.recent;
  }

  /** The running echo server's port, when the config uses it. */
  get echoPort(): number | null {
    return this.echo?.port ?? null;
  }

  /** Open a workspace file: it becomes the current file and runs (or opens as a draft with issues). */
  async open(file: string): Promise<OpenOutcome> {
    const loaded = await loadDocument(file, { opening: true });
    this.report(loaded.notices);
    if (loaded.doc === null) {
      const notices = loaded.notices.length ? loaded.notices : [{ level: 'error' as const, code: 'missing_file', file, message: `${file} does not exist` }];
      if (!loaded.notices.length) this.report(notices);
      return { ok: false, notices };
    }
    await this.saving;
    this.path = file;
    this.unsaved = false;
    this.savedJson = JSON.stringify(loaded.doc);
    this.disk.set(file, loaded.source === 'file' ? this.savedJson : null);
    await this.remember(file);
    await this.run(loaded.doc);
    return { ok: true, notices: loaded.notices };
  }

  /** Save the draft to the current file, or to `file` (which then becomes the current file). */
  async save(file?: string): Promise<SaveOutcome> {
    const draft = this.service.snapshot().config.draft;
    const target = file ?? this.path;
    const r = await this.serialSave(target, draft);
    if (r.ok && file && file !== this.path) {
      this.path = file;
      await this.remember(file);
    }
    // (the file holds what the user chose to keep: an apply of another config is saved over it)
    if (r.ok && target === this.path) {
      this.savedAgain(target);
      this.savedJson = JSON.stringify(draft);
    }
    return r;
  }

  /** The draft has edits that neither run (applied configs are saved) nor are in the file: what
   * quitting or opening another workspace would lose. */
  hasUnsavedEdits(): boolean {
    const { draft, dirty } = this.service.snapshot().config;
    return (dirty && JSON.stringify(draft) !== this.disk.get(this.path)) || this.unsaved;
  }

  /** Stop the echo server, the service and the engine; pending saves finish first. */
  async close(): Promise<void> {
    // (an apply asked for before closing runs to its end, and is saved)
    await this.service.settled();
    this.service.onApplied = null;
    this.service.onApplyAsked = null;
    this.service.onSettingsChange = null;
    await this.saving;
    await this.stateSaving;
    this.service.close();
    await this.engine.stop();
    await this.echo?.close();
    this.echo = null;
  }

  /** Start the echo server if `doc` needs it, point its upstream there, and apply (or just show) it. */
  /** Apply `doc` (or set it as the draft when it is not valid); what failed is reported, and returned. */
  private async run(doc: unknown): Promise<PersistNotice[]> {
    const at = echoServerIndex(doc, this.state.echoAddresses ?? []);
    if (at >= 0) {
      this.echo ??= await this.startEcho();
      doc = pointEchoUpstream(doc, at, this.echo.address);
      if (this.savedJson !== null) this.savedJson = JSON.stringify(doc);
    }
    const r: Result<unknown> = validateConfig(doc).ok
      ? await this.service.handle('apply', { draft: doc })
      : await this.service.handle('setDraft', { draft: doc });
    if (r.ok) return [];
    const issues = (r.error as { issues?: Array<{ path: string; code: string; message: string }> }).issues ?? [r.error];
    const failed = issues.map((i): PersistNotice => ({ level: 'error', code: r.error.code, file: this.path, message: notAppliedMessage(this.path, { path: '', ...i }) }));
    this.report(failed);
    return failed;
  }

  /** The echo server, on the port of the last start when it is free (so the saved config, and an
   * nginx.conf exported from it, stay as they are), else on another; the state keeps its address. */
  private async startEcho(): Promise<EchoServer> {
    const known = this.state.echoAddresses ?? [];
    const last = known[0];
    const echo = last ? await startEchoServer({ port: Number(last.slice(last.lastIndexOf(':') + 1)) }).catch(() => startEchoServer()) : await startEchoServer();
    if (echo.address !== last) {
      this.state = { ...this.state, echoAddresses: [echo.address, ...known.filter((a) => a !== echo.address)].slice(0, MAX_ECHO_ADDRESSES) };
      await this.writeState();
    }
    return echo;
  }

  /** Autosave: every newly applied config is written to `file`, the workspace current when the
   * apply was asked for, its save queued before the apply answers (so closing, or opening another
   * workspace, waits for it). */
  private autosave(applied: unknown, file: string): void {
    const json = JSON.stringify(applied);
    if (file === this.path && json === this.savedJson && !this.unsaved) return;
    if (file === this.path) this.savedJson = json;
    void this.serialSave(file, applied).then((r) => {
      if (r.ok) {
        if (file === this.path) this.savedAgain(file);
        return;
      }
      // what runs is not in the file: the next apply tries again, and quitting asks
      if (file === this.path) this.unsaved = true;
      this.report([{ level: 'error', code: r.code, file, message: `the applied config was not saved: ${r.message}` }]);
    });
  }

  /** The current file was saved: after a save of it that failed, that is said (the UI's notice goes). */
  private savedAgain(file: string): void {
    if (this.unsaved) this.report([{ level: 'info', code: 'saved', file, message: `saved ${file}` }]);
    this.unsaved = false;
  }

  private serialSave(file: string, doc: unknown): Promise<SaveOutcome> {
    const run = this.saving.then(async () => {
      const r = await saveDocument(file, doc, { expect: this.disk.get(file) });
      if (r.ok) this.disk.set(file, JSON.stringify(doc));
      return r;
    });
    this.saving = run.catch(() => undefined);
    const outcome = run.then((r) => {
      if (r.ok && r.movedAside) {
        const [code, what] = r.changedOutside ? ['changed_outside', 'was changed outside Switchyard since it was opened'] : ['moved_aside', 'was damaged'];
        this.report([{ level: 'warn', code, file, badFile: r.movedAside, message: `${file} ${what}; that version was moved, untouched, to ${r.movedAside} before saving` }]);
      }
      return r;
    });
    this.lastSave = outcome;
    return outcome;
  }

  /** How the last save asked for ended, once it has (null: none was asked for). */
  async lastSaveOutcome(): Promise<SaveOutcome | null> {
    return this.lastSave && this.lastSave.catch((e: Error) => ({ ok: false, code: 'write_failed', message: e.message }));
  }

  /** `file` is the workspace now: first in Open Recent, and the one the next start opens. */
  async remember(file: string): Promise<void> {
    this.state = withRecent(this.state, file === defaultConfigPath(this.userDataDir) ? null : file);
    await this.writeState();
  }

  private saveSettings(settings: ServiceSettings): void {
    this.state = { ...this.state, settings };
    void this.writeState();
  }

  /** Writes of state.json, one at a time, each with the state as it is then. */
  private writeState(): Promise<void> {
    const file = statePath(this.userDataDir);
    const run = this.stateSaving.then(() => writeAppState(this.userDataDir, this.state)).catch((e: NodeJS.ErrnoException) => {
      this.report([{ level: 'error', code: 'state_not_saved', file, message: `cannot save ${file} (recent files and capture settings): ${e.code ?? e.message}` }]);
    });
    this.stateSaving = run;
    return run;
  }

  /** Notices go to the service's log: the UI's log view shows them. */
  private report(notices: PersistNotice[]): void {
    for (const n of notices) this.engine.emit('log', { time: Date.now(), level: n.level, code: n.code, message: n.message });
  }
}
