// A watched directory of policy files (*.yaml, *.yml): each is loaded at start, and applied
// again whenever it changes: validated and compiled, then switched to atomically. A change
// that does not validate leaves the policy in force as it was, and is reported (log and
// audit event). A removed file removes its policy.
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../telemetry/logger.js';
import { readPolicyFile } from './policy-document.js';
import type { PolicyActor } from './audit-trail.js';
import type { PolicyEngine } from './policy-engine.js';
import { EbpipeError } from '../common/errors.js';

const POLICY_FILE = /^[^.].*\.ya?ml$/;
/** Editors write a file in several steps: act once they are done. */
const SETTLE_MS = 100;

export class PolicyDirectoryError extends EbpipeError {
  override readonly name = 'PolicyDirectoryError';
  constructor(code: string, message: string) {
    super(code, 'opening', message);
  }
}

export class PolicyDirectory {
  private watcher: FSWatcher | undefined;
  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly dir: string,
    private readonly engine: PolicyEngine,
    private readonly logger: Logger,
  ) {}

  /** Loads every policy file of the directory, then follows its changes. Invalid files are reported, not fatal. */
  start(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir).sort();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such directory' : e.code === 'ENOTDIR' ? 'not a directory' : e.message;
      throw new PolicyDirectoryError(e.code ?? 'EIO', `policy directory ${this.dir}: ${why}`);
    }
    for (const name of names) {
      if (POLICY_FILE.test(name)) this.applyFile(join(this.dir, name), 'startup');
    }
    this.watcher = watch(this.dir, (_event, name) => {
      if (name && POLICY_FILE.test(name)) this.schedule(join(this.dir, name));
    });
    this.watcher.on('error', (err) =>
      this.logger.error({ dir: this.dir, err: err.message }, 'policy directory watch failed'),
    );
  }

  private schedule(file: string): void {
    clearTimeout(this.pending.get(file));
    this.pending.set(
      file,
      setTimeout(() => {
        this.pending.delete(file);
        this.applyFile(file, 'watch');
      }, SETTLE_MS),
    );
  }

  private actor(file: string, via: PolicyActor['via']): PolicyActor {
    // Who edited a file is not known; its owner is the best guess the directory gives.
    let uid = process.getuid?.() ?? 0;
    try {
      uid = statSync(file).uid;
    } catch {
      // removed: the agent's own uid
    }
    return { via, pid: process.pid, uid };
  }

  private applyFile(file: string, via: PolicyActor['via']): void {
    const actor = this.actor(file, via);
    if (!existsSync(file)) {
      const name = this.engine.policyFromFile(file);
      if (name !== undefined) this.engine.delete(name, actor);
      return;
    }
    let doc;
    try {
      doc = readPolicyFile(file);
    } catch (err) {
      this.engine.rejected(file, err as Error, actor);
      return;
    }
    const current = this.engine.list().find((p) => p.file === file);
    if (current?.sha256 === doc.sha256 && current.name === doc.policy.metadata.name) return;
    try {
      this.engine.apply(doc, actor);
    } catch {
      // The engine logged and audited the refusal; the policy in force stays.
    }
  }

  close(): void {
    this.watcher?.close();
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
