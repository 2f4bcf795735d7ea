// uid -> user name from the host's passwd database. The file is read once and again when it
// changes (checked at most every `checkIntervalMs`, by size, mtime and inode, since tools
// like useradd replace it by rename). A uid without an entry has no name.
import { readFileSync, statSync } from 'node:fs';

export interface PasswdParse {
  names: Map<number, string>;
  /** Lines that are neither blank, a comment, nor `name:password:uid:...`. */
  malformedLines: number;
}

/** passwd(5): name:password:uid:gid:gecos:home:shell. The first entry for a uid wins, as getpwuid does. */
export function parsePasswd(text: string): PasswdParse {
  const names = new Map<number, string>();
  let malformedLines = 0;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    const uid = Number(fields[2]);
    // NIS compat lines (+name, -name, +) carry no uid of their own.
    if (fields.length < 7 || fields[0] === '' || fields[2] === '' || !Number.isInteger(uid) || uid < 0) {
      if (!line.startsWith('+') && !line.startsWith('-')) malformedLines++;
      continue;
    }
    if (!names.has(uid)) names.set(uid, fields[0]!);
  }
  return { names, malformedLines };
}

export interface UserNamesOptions {
  path?: string;
  checkIntervalMs?: number;
  now?: () => number;
}

export interface UserNamesStats {
  users: number;
  loads: number;
  malformedLines: number;
  /** The file could not be read (it is then treated as empty). */
  readErrors: number;
}

export class UserNames {
  private readonly path: string;
  private readonly checkIntervalMs: number;
  private readonly now: () => number;
  private names = new Map<number, string>();
  private version = '';
  private lastCheckMs = -Infinity;
  private readonly counters = { loads: 0, malformedLines: 0, readErrors: 0 };

  constructor(options: UserNamesOptions = {}) {
    this.path = options.path ?? '/etc/passwd';
    this.checkIntervalMs = options.checkIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  nameOf(uid: number): string | undefined {
    const now = this.now();
    if (now - this.lastCheckMs >= this.checkIntervalMs) {
      this.lastCheckMs = now;
      this.reloadIfChanged();
    }
    return this.names.get(uid);
  }

  stats(): UserNamesStats {
    return { users: this.names.size, ...this.counters };
  }

  private reloadIfChanged(): void {
    let version: string;
    let text: string;
    try {
      const st = statSync(this.path);
      version = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (version === this.version) return;
      text = readFileSync(this.path, 'utf8');
    } catch {
      if (this.version !== 'unreadable') this.counters.readErrors++;
      this.version = 'unreadable';
      this.names = new Map();
      return;
    }
    const parsed = parsePasswd(text);
    this.version = version;
    this.names = parsed.names;
    this.counters.loads++;
    this.counters.malformedLines = parsed.malformedLines;
  }
}
