// The draft the user edits vs the config the engine runs, with one step of undo for applies.
import { validateConfig } from '../../app/config/validate.ts';
import type { ConfigIssue } from '../../app/config/issues.ts';
import type { ConfigState } from '../../app/api/contract.ts';
import { sameConfig } from '../../app/api/draft.ts';
import { randomUUID } from 'node:crypto';

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export class ConfigStore {
  private draft: unknown;
  private applied: unknown = null;
  private appliedAt: number | null = null;
  private previous: unknown = null;
  private draftIssues: ConfigIssue[] = [];
  /** Counts the changes: a page that gets states out of order (an apply's answer after the feed's
   * newer state) keeps the newest (`ConfigState.revision`). */
  private revision = 0;
  private readonly instance = randomUUID();

  /** `localhost`: the addresses `listen localhost:PORT` binds (the duplicate-listen rules). */
  constructor(initial: unknown, private readonly localhost?: readonly string[], private readonly readOnlyFile?: string) {
    this.draft = clone(initial);
    this.revalidate();
  }

  state(): ConfigState {
    return {
      draft: clone(this.draft),
      draftIssues: this.draftIssues.map((i) => ({ ...i })),
      applied: clone(this.applied),
      appliedAt: this.appliedAt,
      dirty: !sameConfig(this.draft, this.applied),
      canUndo: this.previous !== null,
      revision: this.revision,
      instance: this.instance,
      ...(this.readOnlyFile ? { readOnlyFile: this.readOnlyFile } : {}),
    };
  }

  currentDraft(): unknown {
    return clone(this.draft);
  }

  setDraft(doc: unknown): void {
    this.draft = clone(doc);
    this.revision++;
    this.revalidate();
  }

  revertDraft(): void {
    if (this.applied !== null) this.setDraft(this.applied);
  }

  /** Record a successful apply of `doc`; the config it replaced becomes the undo step. */
  markApplied(doc: unknown): void {
    this.previous = this.applied === null ? null : this.applied;
    this.applied = clone(doc);
    this.appliedAt = Date.now();
    this.revision++;
  }

  /** The config to go back to, or null. */
  undoTarget(): unknown {
    return this.previous === null ? null : clone(this.previous);
  }

  /** After an undo applied `undoTarget()`: no further undo, and the draft shows what runs. */
  undone(): void {
    this.applied = this.previous;
    this.previous = null;
    this.appliedAt = Date.now();
    this.setDraft(this.applied); // (a change of the revision)
  }

  private revalidate(): void {
    const v = validateConfig(this.draft, this.localhost);
    this.draftIssues = v.ok ? [] : v.issues;
  }
}
