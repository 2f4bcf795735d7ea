// One process image as the cache knows it. A class, so that every entry has the same shape
// and the per-event copy into events stays monomorphic.
import type { CgroupIdentity } from '../containers/cgroup-path.js';
import type { AncestorRef, PodRef } from '../events/references.js';

/** How the cache learnt of the image: read from /proc, a fork (the parent's image, copied), or an exec. */
export type EntrySource = 'proc' | 'fork' | 'exec';

export interface ProcessEntryInit {
  pid: number;
  /** Start time in clock ticks: the key, with pid, because /proc knows no finer time. */
  startTick: number;
  /** Start time in ns on the boot clock (tick-precise for a process read from /proc). */
  startNs: number;
  execId: string;
  parentExecId: string | undefined;
  ppid: number | undefined;
  source: EntrySource;
  binary: string | undefined;
  argv: readonly string[] | undefined;
  cwd: string | undefined;
  uid: number | undefined;
  user: string | undefined;
  /** Nearest first; shared with other entries, so never mutated. */
  ancestors: readonly AncestorRef[];
  cgroup: CgroupIdentity | undefined;
  pod: PodRef | undefined;
}

export class ProcessEntry {
  readonly pid: number;
  readonly startTick: number;
  startNs: number;
  readonly execId: string;
  readonly parentExecId: string | undefined;
  readonly ppid: number | undefined;
  readonly source: EntrySource;
  /** A /proc entry that an exec event has shown to be the image the kernel reports. */
  confirmed: boolean;
  readonly binary: string | undefined;
  readonly argv: readonly string[] | undefined;
  readonly cwd: string | undefined;
  readonly uid: number | undefined;
  readonly user: string | undefined;
  readonly ancestors: readonly AncestorRef[];
  /** This image as its descendants list it. */
  readonly self: AncestorRef;
  readonly cgroup: CgroupIdentity | undefined;
  pod: PodRef | undefined;
  /** The pod source's version when `pod` was looked up. */
  podVersion = -1;
  /** Kernel time of the exit event; -1 while the process lives. */
  exitedAtNs = -1;

  // Links owned by ProcessTable.
  /** The next older entry with the same pid (pid reuse within the grace period). */
  samePid: ProcessEntry | undefined = undefined;
  older: ProcessEntry | undefined = undefined;
  newer: ProcessEntry | undefined = undefined;

  constructor(init: ProcessEntryInit) {
    this.pid = init.pid;
    this.startTick = init.startTick;
    this.startNs = init.startNs;
    this.execId = init.execId;
    this.parentExecId = init.parentExecId;
    this.ppid = init.ppid;
    this.source = init.source;
    this.confirmed = init.source !== 'proc';
    this.binary = init.binary;
    this.argv = init.argv;
    this.cwd = init.cwd;
    this.uid = init.uid;
    this.user = init.user;
    this.ancestors = init.ancestors;
    this.self = { pid: init.pid, execId: init.execId, binary: init.binary ?? '' };
    this.cgroup = init.cgroup;
    this.pod = init.pod;
  }

  /** What a child of this image inherits as its ancestry: this image, then its own, cut to `depth`. */
  lineage(depth: number): readonly AncestorRef[] {
    if (depth <= 0) return [];
    const kept = this.ancestors.length < depth ? this.ancestors : this.ancestors.slice(0, depth - 1);
    return [this.self, ...kept];
  }
}
