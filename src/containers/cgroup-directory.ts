// Kernel cgroup ids -> cgroup paths -> identities. The kernel reports the cgroup v2 id of a
// process, which is the inode number of the cgroup's directory in the cgroup2 mount; there
// is no lookup by id, so the mount is walked (once, then again on a miss) and the result
// kept. A miss first tries the cheap route: the process's own /proc/PID/cgroup, confirmed
// by the directory's inode, since the process usually still lives when its event is read.
// On hybrid hosts (v1 hierarchies beside the v2 one) a runtime may put containers in v1
// cgroups only, leaving them at the v2 root: there the process's v1 lines are read too.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupPathFromProcFile, parseCgroupPath, type CgroupIdentity } from './cgroup-path.js';

export interface CgroupDirectoryOptions {
  /** The cgroup2 mount; default: found in /proc/self/mountinfo (none: ids stay unresolved). */
  mountPoint?: string | undefined;
  /** v1 hierarchies are mounted too; default: /proc/self/cgroup has v1 lines. */
  hybrid?: boolean;
  procRoot?: string;
  /** A miss walks the mount at most this often. */
  minRescanIntervalMs?: number;
  now?: () => number;
}

export interface CgroupDirectoryStats {
  /** Cgroup ids known. */
  ids: number;
  /** Ids that could not be resolved at all. */
  misses: number;
  /** Ids resolved from the process's /proc/PID/cgroup. */
  procHits: number;
  /** Containers found on v1 lines only (hybrid hosts). */
  v1Containers: number;
  /** Walks of the whole mount. */
  rescans: number;
}

/** The first cgroup2 mount in a mountinfo text; fields after " - " are type, source, options. */
export function cgroup2MountPoint(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0 || !line.startsWith('cgroup2 ', sep + 3)) continue;
    const fields = line.slice(0, sep).split(' ');
    // Only a mount of the hierarchy's root gives paths that match /proc/PID/cgroup.
    if (fields[3] === '/' && fields[4] !== undefined) return fields[4].replace(/\\040/g, ' ');
  }
  return undefined;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const V1_LINE = /^[1-9]\d*:/m;

export class CgroupDirectory {
  private readonly mountPoint: string | undefined;
  private readonly hybrid: boolean;
  private readonly procRoot: string;
  private readonly minRescanIntervalMs: number;
  private readonly now: () => number;
  private byId = new Map<number, CgroupIdentity>();
  private readonly byPath = new Map<string, CgroupIdentity>();
  private lastRescanMs = -Infinity;
  /** Ids that resolved to nothing, and when: not tried again before the next rescan is due. */
  private readonly missedAt = new Map<number, number>();
  private readonly counters = { misses: 0, procHits: 0, v1Containers: 0, rescans: 0 };

  constructor(options: CgroupDirectoryOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.mountPoint =
      'mountPoint' in options
        ? options.mountPoint
        : cgroup2MountPoint(readOrEmpty(join(this.procRoot, 'self', 'mountinfo')));
    this.hybrid = options.hybrid ?? V1_LINE.test(readOrEmpty(join(this.procRoot, 'self', 'cgroup')));
    this.minRescanIntervalMs = options.minRescanIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The identity of a path from /proc/PID/cgroup; one shared object per path. */
  identityOfPath(path: string): CgroupIdentity {
    let identity = this.byPath.get(path);
    if (identity === undefined) {
      identity = parseCgroupPath(path);
      // Paths of removed cgroups would pile up on a host that starts many containers.
      if (this.byPath.size >= 65_536) this.byPath.clear();
      this.byPath.set(path, identity);
    }
    return identity;
  }

  /** The identity of process `pid`, which the kernel saw in cgroup `cgroupId` (v2) at exec. */
  identityAtExec(cgroupId: number, pid: number): CgroupIdentity | undefined {
    const identity = this.identityOfId(cgroupId, pid);
    if (!this.hybrid || identity?.containerId !== undefined) return identity;
    const v1 = this.identityOfPath(cgroupPathFromProcFile(readOrEmpty(join(this.procRoot, String(pid), 'cgroup'))));
    if (v1.containerId === undefined) return identity;
    this.counters.v1Containers++;
    return v1;
  }

  /** The identity of a kernel cgroup id; `pid`, a process in it, makes a miss cheap. */
  private identityOfId(cgroupId: number, pid?: number): CgroupIdentity | undefined {
    const known = this.byId.get(cgroupId);
    if (known !== undefined || this.mountPoint === undefined) return known;
    // A flood of events from one unresolvable cgroup must not cost a /proc read each.
    const missed = this.missedAt.get(cgroupId);
    const rescanDue = this.now() - this.lastRescanMs >= this.minRescanIntervalMs;
    if (missed !== undefined && missed >= this.lastRescanMs && !rescanDue) {
      this.counters.misses++;
      return undefined;
    }
    const fromProc = pid === undefined ? undefined : this.fromProc(cgroupId, pid);
    if (fromProc !== undefined) {
      this.counters.procHits++;
      this.byId.set(cgroupId, fromProc);
      return fromProc;
    }
    if (rescanDue) {
      this.rescan(this.mountPoint);
      const found = this.byId.get(cgroupId);
      if (found !== undefined) return found;
    }
    if (this.missedAt.size >= 65_536) this.missedAt.clear();
    this.missedAt.set(cgroupId, this.now());
    this.counters.misses++;
    return undefined;
  }

  stats(): CgroupDirectoryStats {
    return { ids: this.byId.size, ...this.counters };
  }

  private fromProc(cgroupId: number, pid: number): CgroupIdentity | undefined {
    const line = /^0::(.*)$/m.exec(readOrEmpty(join(this.procRoot, String(pid), 'cgroup')));
    if (!line) return undefined;
    try {
      // The process may have moved since its event: only the directory's inode proves the match.
      if (statSync(join(this.mountPoint!, line[1]!)).ino !== cgroupId) return undefined;
      return this.identityOfPath(line[1]!);
    } catch {
      return undefined;
    }
  }

  /** Replaces the id map with a fresh walk, which also forgets removed cgroups. */
  private rescan(mountPoint: string): void {
    this.lastRescanMs = this.now();
    this.counters.rescans++;
    const byId = new Map<number, CgroupIdentity>();
    const walk = (dir: string, path: string): void => {
      let entries;
      try {
        byId.set(statSync(dir).ino, this.identityOfPath(path));
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // removed while walking
      }
      for (const entry of entries) {
        if (entry.isDirectory()) walk(join(dir, entry.name), path === '/' ? `/${entry.name}` : `${path}/${entry.name}`);
      }
    };
    walk(mountPoint, '/');
    this.byId = byId;
  }
}
