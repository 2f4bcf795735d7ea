// The process cache's storage: entries by (pid, start tick), bounded, with exited entries
// kept for a grace period. Why the grace period: records of one process come from every
// CPU and are merged in user space, so some arrive after its exit record; and a child's
// fork or exec, which needs its parent's entry for ancestry, may be read after the parent's
// exit. When full, the oldest exited entry goes first, then the oldest live one (a later
// event of an evicted live process finds it again in /proc).
import type { ProcessEntry } from './process-entry.js';

export interface ProcessTableStats {
  entries: number;
  exited: number;
  /** Exited entries dropped after their grace period. */
  expired: number;
  /** Exited entries dropped before their grace period ended, for room. */
  evictedExited: number;
  /** Live entries dropped for room. */
  evictedLive: number;
}

/** Entries in the order they were appended; intrusive links, so no allocation per move. */
class EntryQueue {
  oldest: ProcessEntry | undefined = undefined;
  private newest: ProcessEntry | undefined = undefined;

  append(entry: ProcessEntry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  remove(entry: ProcessEntry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }
}

export class ProcessTable {
  /** Newest entry per pid; older ones with the same pid follow `samePid`. */
  private readonly byPid = new Map<number, ProcessEntry>();
  private readonly live = new EntryQueue();
  private readonly exited = new EntryQueue();
  private entries = 0;
  private exitedEntries = 0;
  private readonly counters = { expired: 0, evictedExited: 0, evictedLive: 0 };

  constructor(private readonly maxEntries: number) {}

  get(pid: number, startTick: number): ProcessEntry | undefined {
    let entry = this.byPid.get(pid);
    while (entry !== undefined && entry.startTick !== startTick) entry = entry.samePid;
    return entry;
  }

  /** The newest live entry of a pid: the process /proc would show under it now. */
  liveByPid(pid: number): ProcessEntry | undefined {
    let entry = this.byPid.get(pid);
    while (entry !== undefined && entry.exitedAtNs >= 0) entry = entry.samePid;
    return entry;
  }

  /** Adds an entry, in place of the one with the same key (a new image after exec). */
  put(entry: ProcessEntry): void {
    const old = this.get(entry.pid, entry.startTick);
    if (old !== undefined) this.remove(old);
    entry.samePid = this.byPid.get(entry.pid);
    this.byPid.set(entry.pid, entry);
    this.live.append(entry);
    this.entries++;
    if (this.entries > this.maxEntries) this.evictOne();
  }

  markExited(entry: ProcessEntry, atNs: number): void {
    if (entry.exitedAtNs >= 0 || this.get(entry.pid, entry.startTick) !== entry) return;
    entry.exitedAtNs = atNs;
    this.live.remove(entry);
    this.exited.append(entry);
    this.exitedEntries++;
  }

  /** Drops exited entries whose exit is before `cutoffNs`. */
  expire(cutoffNs: number): void {
    let oldest = this.exited.oldest;
    while (oldest !== undefined && oldest.exitedAtNs < cutoffNs) {
      this.remove(oldest);
      this.counters.expired++;
      oldest = this.exited.oldest;
    }
  }

  stats(): ProcessTableStats {
    return { entries: this.entries, exited: this.exitedEntries, ...this.counters };
  }

  private evictOne(): void {
    const victim = this.exited.oldest ?? this.live.oldest;
    if (victim === undefined) return;
    if (victim.exitedAtNs >= 0) this.counters.evictedExited++;
    else this.counters.evictedLive++;
    this.remove(victim);
  }

  private remove(entry: ProcessEntry): void {
    if (entry.exitedAtNs >= 0) {
      this.exited.remove(entry);
      this.exitedEntries--;
    } else {
      this.live.remove(entry);
    }
    this.entries--;
    const head = this.byPid.get(entry.pid);
    if (head === entry) {
      if (entry.samePid === undefined) this.byPid.delete(entry.pid);
      else this.byPid.set(entry.pid, entry.samePid);
    } else {
      let before = head;
      while (before !== undefined && before.samePid !== entry) before = before.samePid;
      if (before !== undefined) before.samePid = entry.samePid;
    }
    entry.samePid = undefined;
  }
}
