// What is known about each live process, keyed so that a reused pid never inherits a
// dead process's identity: (pid, start time). Bounded: the oldest entries go first.
import type { ExecEvent } from '../events/model.js';

export interface ProcessEntry {
  pid: number;
  startNs: number;
  binary: string;
  argv: readonly string[];
  cwd: string;
  uid: number;
}

export interface ProcessCacheStats {
  size: number;
  hits: number;
  misses: number;
  evictions: number;
}

function keyOf(pid: number, startNs: number): string {
  return `${pid}:${startNs}`;
}

export class ProcessCache {
  private readonly entries = new Map<string, ProcessEntry>();
  private readonly counters = { hits: 0, misses: 0, evictions: 0 };

  constructor(private readonly maxEntries: number) {}

  recordExec(event: ExecEvent): ProcessEntry {
    const entry: ProcessEntry = {
      pid: event.process.pid,
      startNs: event.process.startNs,
      binary: event.binary,
      argv: event.argv,
      cwd: event.cwd,
      uid: event.creds.uid,
    };
    const key = keyOf(entry.pid, entry.startNs);
    this.entries.delete(key); // re-insert: a Map iterates oldest first
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
      this.counters.evictions++;
    }
    return entry;
  }

  lookup(pid: number, startNs: number): ProcessEntry | undefined {
    const entry = this.entries.get(keyOf(pid, startNs));
    if (entry) this.counters.hits++;
    else this.counters.misses++;
    return entry;
  }

  forget(pid: number, startNs: number): void {
    this.entries.delete(keyOf(pid, startNs));
  }

  stats(): ProcessCacheStats {
    return { size: this.entries.size, ...this.counters };
  }
}
