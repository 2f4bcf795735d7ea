// An append-only file of lines that rotates by size and by age, keeping a bounded set of
// timestamped backups. Calls run one at a time in call order. A write returns once its
// bytes are in the OS; sync() makes them durable. Lines are never split across files.
import { mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { systemErrorReason } from '../../common/system-error.js';
import { BackupNames } from './backup-name.js';
import { EbpipeError } from '../../common/errors.js';

export interface RotationPolicy {
  /** Rotate before a write would take the file past this size; a longer line gets a file of its own. */
  maxBytes?: number;
  /** Rotate a non-empty file once it has been open this long. */
  intervalMs?: number;
  /** Backups kept, newest first; 0 keeps them all. */
  maxBackups: number;
  /** Backups older than this (by the time in their name) are removed. */
  maxAgeMs?: number;
  /** Timestamps in backup names in local time instead of UTC. */
  localtime: boolean;
}

export interface RotatingFileOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** Told about a backup that could not be removed; rotation goes on. */
  onPruneError?: (err: FileOperationError) => void;
  onRotate?: (reason: 'size' | 'time', backup: string) => void;
}

/** A failed file operation, with what was being done to which file. */
export class FileOperationError extends EbpipeError {
  override readonly name = 'FileOperationError';
  constructor(
    readonly operation: string,
    readonly path: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(cause.code ?? 'EIO', 'sending', `${operation} ${path}: ${systemErrorReason(cause)}`, { cause });
  }
}

const NEWLINE = 0x0a;
const NEW_FILE_MODE = 0o600; // events can carry argv and paths: not world-readable by default

export class RotatingFile {
  private file: FileHandle | undefined;
  private size = 0;
  private openedAt = 0;
  private mode = NEW_FILE_MODE;
  /** Bytes written since the last sync. */
  private dirty = false;
  /** A failed write may have left part of a line that could not be cut off. */
  private partialLine = false;
  /** Rotation times are unique and increasing, so no backup is overwritten. */
  private lastStamp = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly names: BackupNames;
  private readonly now: () => number;

  constructor(
    readonly path: string,
    private readonly policy: RotationPolicy,
    private readonly options: RotatingFileOptions = {},
  ) {
    this.names = new BackupNames(path, policy.localtime);
    this.now = options.now ?? Date.now;
  }

  /** Runs `fn` after every call made before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Creates the directory, opens the file for appending, prunes old backups. */
  open(): Promise<void> {
    return this.exclusive(async () => {
      await attempt('creating directory', this.names.dir, () => mkdir(this.names.dir, { recursive: true }));
      const file = await attempt('opening', this.path, () => open(this.path, 'a', NEW_FILE_MODE));
      const stat = await file.stat();
      this.file = file;
      this.size = stat.size;
      this.mode = stat.mode & 0o777;
      this.openedAt = this.now();
      this.lastStamp = (await this.backups())[0]?.time ?? 0;
      await this.prune();
    });
  }

  /** Appends whole lines (data ends in a newline), rotating first when the policy says so. */
  write(data: Buffer): Promise<void> {
    return this.exclusive(async () => {
      let rest = data;
      while (rest.length > 0) {
        if (this.size > 0 && this.dueByTime()) await this.rotate('time');
        const room = this.policy.maxBytes === undefined ? Infinity : this.policy.maxBytes - this.size;
        if (rest.length <= room) {
          await this.append(rest);
          return;
        }
        // Whole lines that still fit; none fit: rotate, or give a too-long line a file of its own.
        let cut = room > 0 ? rest.lastIndexOf(NEWLINE, room - 1) + 1 : 0;
        if (cut === 0 && this.size > 0) {
          await this.rotate('size');
          continue;
        }
        if (cut === 0) cut = rest.indexOf(NEWLINE) + 1 || rest.length;
        await this.append(rest.subarray(0, cut));
        rest = rest.subarray(cut);
      }
    });
  }

  /** Rotates now if the file is older than the interval (called from a timer, so quiet files rotate too). */
  rotateIfDue(): Promise<void> {
    return this.exclusive(async () => {
      if (this.file && this.size > 0 && this.dueByTime()) await this.rotate('time');
    });
  }

  /** Makes what was written durable (fdatasync). */
  sync(): Promise<void> {
    return this.exclusive(() => this.syncNow());
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      const file = this.file;
      if (!file) return;
      this.file = undefined;
      try {
        if (this.dirty) await attempt('syncing', this.path, () => file.datasync());
      } finally {
        await file.close();
      }
    });
  }

  private dueByTime(): boolean {
    return this.policy.intervalMs !== undefined && this.now() - this.openedAt >= this.policy.intervalMs;
  }

  private async syncNow(): Promise<void> {
    const file = this.file;
    if (!file || !this.dirty) return;
    this.dirty = false;
    await attempt('syncing', this.path, () => file.datasync());
  }

  private async append(data: Buffer): Promise<void> {
    const file = this.file;
    if (!file)
      throw new FileOperationError(
        'writing',
        this.path,
        Object.assign(new Error('file is closed'), { code: 'ECLOSED' }),
      );
    const chunks = this.partialLine ? [Buffer.from('\n'), data] : [data];
    const before = this.size;
    try {
      for (const chunk of chunks) {
        for (let done = 0; done < chunk.length;) {
          const { bytesWritten } = await file.write(chunk, done, chunk.length - done);
          done += bytesWritten;
          this.size += bytesWritten;
          this.dirty = true;
        }
      }
      this.partialLine = false;
    } catch (err) {
      // Cut off what part of the data went in, so that a retry does not leave half a line.
      if (this.size !== before) {
        await file.truncate(before).then(
          () => (this.size = before),
          () => (this.partialLine = true),
        );
      }
      throw new FileOperationError('writing', this.path, err as NodeJS.ErrnoException);
    }
  }

  private async rotate(reason: 'size' | 'time'): Promise<void> {
    const old = this.file;
    if (!old) return;
    await this.syncNow();
    const stampMs = Math.max(Math.floor(this.now()), this.lastStamp + 1);
    const backup = this.names.pathFor(stampMs);
    await attempt('rotating', this.path, () => rename(this.path, backup));
    let next: FileHandle;
    try {
      next = await attempt('opening', this.path, () => open(this.path, 'a', this.mode));
    } catch (err) {
      // Keep writing where we were rather than nowhere.
      await rename(backup, this.path).catch(() => undefined);
      throw err;
    }
    this.file = next;
    this.size = 0;
    this.openedAt = this.now();
    this.partialLine = false;
    this.lastStamp = stampMs;
    await old.close().catch(() => undefined);
    this.options.onRotate?.(reason, backup);
    await this.prune();
  }

  private async backups(): Promise<{ name: string; time: number }[]> {
    const entries = await attempt('listing', this.names.dir, () => readdir(this.names.dir));
    const found: { name: string; time: number }[] = [];
    const active = basename(this.path);
    for (const name of entries) {
      const time = name === active ? undefined : this.names.timeOf(name);
      if (time !== undefined) found.push({ name, time });
    }
    return found.sort((a, b) => b.time - a.time);
  }

  private async prune(): Promise<void> {
    const { maxBackups, maxAgeMs } = this.policy;
    if (maxBackups === 0 && maxAgeMs === undefined) return;
    const oldest = maxAgeMs === undefined ? -Infinity : this.now() - maxAgeMs;
    let backups;
    try {
      backups = await this.backups();
    } catch (err) {
      this.options.onPruneError?.(err as FileOperationError);
      return;
    }
    const remove = backups.filter((b, i) => (maxBackups > 0 && i >= maxBackups) || b.time < oldest);
    for (const b of remove) {
      const path = join(this.names.dir, b.name);
      await attempt('removing old backup', path, () => unlink(path)).catch((err: FileOperationError) =>
        this.options.onPruneError?.(err),
      );
    }
  }
}

async function attempt<T>(operation: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new FileOperationError(operation, path, err as NodeJS.ErrnoException);
  }
}
