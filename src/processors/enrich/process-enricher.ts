// The enrich engine: keeps a process cache from exec/fork/exit events (seeded from /proc)
// and copies each event's process identity onto the event. Synchronous and pure of I/O on
// the hot path: enrich() is a map lookup and a few assignments; /proc is read only at
// start-up, once per unknown process, and cgroups only at exec.
//
// Where each ProcessRef field comes from:
//   execId       one per image (src/processes/exec-id.ts): a new one at every exec, and at
//                every fork (the child runs a copy of its parent's image until it execs)
//   parentExecId the image this one came from. For an exec: the image the process replaced
//                (so `bash -c 'exec sh'` gives sh the parent bash, same pid), except that
//                the copy a fork made is skipped: the first exec after a fork gets the
//                forking parent's image. For a fork: the parent's image. From /proc: the
//                image of the process's current parent (ppid).
//   ancestors    the parentExecId chain, nearest first, cut to `ancestryDepth`; computed
//                once per image, and shared by every event of it.
//   ppid         the real parent at exec or fork (or /proc's ppid)
//   binary, argv, cwd, uid: at exec (a fork copies its parent's); user: uid's passwd name
//   cgroupPath, containerId, containerRuntime, systemdUnit, pod.uid: the cgroup at exec
//                (a fork inherits its parent's); pod details from the PodMetadataSource.
// Cache keys are (pid, start time in clock ticks): /proc gives start times in ticks only, so
// that a process read from /proc and its later kernel events (start time in ns) meet.
import { CgroupDirectory, type CgroupDirectoryStats } from '../../containers/cgroup-directory.js';
import { cgroupPathFromProcFile, type CgroupIdentity } from '../../containers/cgroup-path.js';
import type { PodMetadataSource } from '../../containers/pod-metadata.js';
import type { Event } from '../../events/model.js';
import type { ExecEvent, ExitEvent, ForkEvent } from '../../events/process-events.js';
import type { AncestorRef, PodRef } from '../../events/references.js';
import { formatExecId, hostIdentity } from '../../processes/exec-id.js';
import { ProcessEntry, type ProcessEntryInit } from '../../processes/process-entry.js';
import { ProcessTable, type ProcessTableStats } from '../../processes/process-table.js';
import { ProcReader, type ProcSnapshot } from '../../processes/proc-reader.js';
import { UserNames, type UserNamesStats } from '../../processes/user-names.js';
import { EnrichConfigError } from './errors.js';

export interface ProcessEnricherOptions {
  /** Most processes kept, live and exited; default 32768. */
  maxEntries?: number;
  /** How long an exited process stays known; default 10 s. */
  exitGraceMs?: number;
  /** Most ancestors per event; default 8. */
  ancestryDepth?: number;
  /** Prefix of every exec id; default `<hostname>:<boot id>`. */
  host?: string;
  procRoot?: string;
  /** USER_HZ, the unit of start times in /proc/PID/stat: 100 on every mainstream architecture. */
  clockTicksPerSecond?: number;
  cgroups?: CgroupDirectory;
  users?: UserNames;
  /** Off by default: pods are then known by uid only (from the cgroup path). */
  pods?: PodMetadataSource;
}

export interface ProcessEnricherStats extends ProcessTableStats {
  /** Processes read from /proc at start-up. */
  seeded: number;
  /** Exec events that confirmed an image already read from /proc (a start-up race). */
  seedsConfirmed: number;
  hits: number;
  /** Events whose process was not in the cache. */
  misses: number;
  /** Processes read from /proc after start-up, for a miss (and its missing parents). */
  procFallbacks: number;
  /** Misses left without identity: the process was gone from /proc, or is another by now. */
  unresolved: number;
  /** Forks and execs whose parent could not be found: their ancestry stops short. */
  orphans: number;
  cgroups: CgroupDirectoryStats;
  users: UserNamesStats;
}

function integerOption(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) {
    throw new EnrichConfigError('BAD_OPTION', `must be an integer >= ${min}, got ${v}`, name);
  }
  return v;
}

function sameArgv(seen: readonly string[] | undefined, event: ExecEvent): boolean {
  if (seen === undefined) return false;
  // A truncated argv's last element is cut short: compare the complete ones.
  const complete = event.argvTruncated ? event.argv.length - 1 : event.argv.length;
  if (event.argvTruncated ? seen.length < complete : seen.length !== complete) return false;
  for (let i = 0; i < complete; i++) if (seen[i] !== event.argv[i]) return false;
  return true;
}

export class ProcessEnricher {
  private readonly table: ProcessTable;
  private readonly graceNs: number;
  private readonly depth: number;
  private readonly host: string;
  private readonly tickNs: number;
  private readonly proc: ProcReader;
  private readonly cgroups: CgroupDirectory;
  private readonly users: UserNames;
  private readonly pods: PodMetadataSource | undefined;
  /** Latest kernel time seen: the clock of the grace period. */
  private nowNs = 0;
  /** pid -> start tick of the last /proc fallback that failed, so it is tried once. */
  private readonly failedFallbacks = new Map<number, number>();
  private readonly counters = {
    seeded: 0,
    seedsConfirmed: 0,
    hits: 0,
    misses: 0,
    procFallbacks: 0,
    unresolved: 0,
    orphans: 0,
  };

  constructor(options: ProcessEnricherOptions = {}) {
    this.table = new ProcessTable(integerOption('maxEntries', options.maxEntries, 32_768, 1));
    this.graceNs = integerOption('exitGraceMs', options.exitGraceMs, 10_000, 0) * 1e6;
    this.depth = integerOption('ancestryDepth', options.ancestryDepth, 8, 0);
    this.tickNs = 1e9 / integerOption('clockTicksPerSecond', options.clockTicksPerSecond, 100, 1);
    this.host = options.host ?? hostIdentity();
    this.proc = new ProcReader(options.procRoot);
    this.cgroups = options.cgroups ?? new CgroupDirectory({ procRoot: this.proc.root });
    this.users = options.users ?? new UserNames();
    this.pods = options.pods;
  }

  /**
   * Reads every process in /proc, parents before children. Call it after the kernel source
   * is attached and before its first events are handled, so that no process falls between.
   */
  seedFromProc(): void {
    const snapshots: ProcSnapshot[] = [];
    for (const pid of this.proc.pids()) {
      const snapshot = this.proc.read(pid);
      if (snapshot !== undefined) snapshots.push(snapshot);
    }
    snapshots.sort((a, b) => a.startTicks - b.startTicks || a.pid - b.pid);
    for (const snapshot of snapshots) {
      if (this.table.get(snapshot.pid, snapshot.startTicks) !== undefined) continue;
      this.table.put(this.entryFromProc(snapshot, this.table.liveByPid(snapshot.ppid)));
      this.counters.seeded++;
    }
  }

  /** Updates the cache from a process lifecycle event; call it before enrich() for the same event. */
  observe(event: Event): void {
    switch (event.kind) {
      case 'process.exec':
        this.onExec(event);
        break;
      case 'process.fork':
        this.onFork(event);
        break;
      case 'process.exit':
        this.onExit(event);
        break;
      default:
        break;
    }
    const ktime = event.origin.ktime;
    if (ktime > this.nowNs) {
      this.nowNs = ktime;
      this.table.expire(ktime - this.graceNs);
    }
  }

  /** Fills event.process with what the cache knows of it. */
  enrich(event: Event): void {
    const p = event.process;
    const entry = this.resolve(p.pid, p.startNs);
    if (entry === undefined) return;
    p.execId = entry.execId;
    if (entry.parentExecId !== undefined) p.parentExecId = entry.parentExecId;
    if (entry.ppid !== undefined) p.ppid = entry.ppid;
    if (entry.binary !== undefined) p.binary = entry.binary;
    if (entry.argv !== undefined) p.argv = entry.argv;
    if (entry.cwd !== undefined) p.cwd = entry.cwd;
    if (entry.uid !== undefined) p.uid = entry.uid;
    if (entry.user !== undefined) p.user = entry.user;
    p.ancestors = entry.ancestors;
    const cgroup = entry.cgroup;
    if (cgroup === undefined) return;
    p.cgroupPath = cgroup.path;
    if (cgroup.systemdUnit !== undefined) p.systemdUnit = cgroup.systemdUnit;
    if (cgroup.containerId !== undefined) p.containerId = cgroup.containerId;
    if (cgroup.runtime !== undefined) p.containerRuntime = cgroup.runtime;
    const pod = this.podOf(entry, cgroup);
    if (pod !== undefined) p.pod = pod;
  }

  /** observe() then enrich() for every event of a batch, in order. */
  enrichBatch(events: readonly Event[]): void {
    for (const event of events) {
      this.observe(event);
      this.enrich(event);
    }
  }

  /** The cached image of a process, without counting or reading /proc. */
  lookup(pid: number, startNs: number): Readonly<ProcessEntry> | undefined {
    return this.table.get(pid, Math.floor(startNs / this.tickNs));
  }

  stats(): ProcessEnricherStats {
    return { ...this.table.stats(), ...this.counters, cgroups: this.cgroups.stats(), users: this.users.stats() };
  }

  private onExec(event: ExecEvent): void {
    const { pid, startNs } = event.process;
    const startTick = Math.floor(startNs / this.tickNs);
    const previous = this.table.get(pid, startTick);
    if (
      previous !== undefined &&
      !previous.confirmed &&
      previous.binary === event.binary &&
      sameArgv(previous.argv, event)
    ) {
      // Read from /proc after this exec, while its event waited in the ring: the same image.
      previous.confirmed = true;
      previous.startNs = startNs;
      this.counters.seedsConfirmed++;
      return;
    }
    let parentExecId: string | undefined;
    let ancestors: readonly AncestorRef[];
    if (previous === undefined) {
      const parent = this.resolve(event.parent.pid, event.parent.startNs);
      if (parent === undefined) this.counters.orphans++;
      parentExecId = parent?.execId;
      ancestors = parent?.lineage(this.depth) ?? [];
    } else if (previous.source === 'fork') {
      // A fork's copy of its parent's image is not an image of its own: skip it.
      parentExecId = previous.parentExecId;
      ancestors = previous.ancestors;
    } else {
      parentExecId = previous.execId;
      ancestors = previous.lineage(this.depth);
    }
    const uid = event.creds.uid;
    const cgroup = this.cgroups.identityAtExec(event.cgroupId, pid);
    this.table.put(
      new ProcessEntry({
        pid,
        startTick,
        startNs,
        execId: formatExecId(this.host, event.origin.ktime, pid),
        parentExecId,
        ppid: event.parent.pid,
        source: 'exec',
        binary: event.binary,
        argv: event.argv,
        cwd: event.cwd,
        uid,
        user: this.users.nameOf(uid),
        ancestors,
        cgroup,
        pod: this.podUidOnly(cgroup),
      }),
    );
  }

  private onFork(event: ForkEvent): void {
    const { pid, startNs } = event.process;
    const startTick = Math.floor(startNs / this.tickNs);
    if (this.table.get(pid, startTick) !== undefined) return; // read from /proc already
    const parent = this.resolve(event.parent.pid, event.parent.startNs);
    if (parent === undefined) this.counters.orphans++;
    this.table.put(
      new ProcessEntry({
        pid,
        startTick,
        startNs,
        execId: formatExecId(this.host, startNs, pid),
        parentExecId: parent?.execId,
        ppid: event.parent.pid,
        source: 'fork',
        binary: parent?.binary,
        argv: parent?.argv,
        cwd: parent?.cwd,
        uid: parent?.uid,
        user: parent?.user,
        ancestors: parent?.lineage(this.depth) ?? [],
        cgroup: parent?.cgroup,
        pod: parent?.pod,
      }),
    );
  }

  private onExit(event: ExitEvent): void {
    const entry = this.lookup(event.process.pid, event.process.startNs);
    if (entry !== undefined) this.table.markExited(entry, event.origin.ktime);
  }

  private resolve(pid: number, startNs: number): ProcessEntry | undefined {
    const startTick = Math.floor(startNs / this.tickNs);
    const entry = this.table.get(pid, startTick);
    if (entry !== undefined) {
      this.counters.hits++;
      return entry;
    }
    this.counters.misses++;
    return this.fromProc(pid, startTick);
  }

  /** A process missing from the cache, read from /proc once. */
  private fromProc(pid: number, startTick: number): ProcessEntry | undefined {
    const snapshot = this.failedFallbacks.get(pid) === startTick ? undefined : this.proc.read(pid);
    if (snapshot === undefined || snapshot.startTicks !== startTick) {
      if (this.failedFallbacks.size >= 65_536) this.failedFallbacks.clear();
      this.failedFallbacks.set(pid, startTick);
      this.counters.unresolved++;
      return undefined;
    }
    return this.addFromProc(snapshot, this.depth);
  }

  /** Adds a process read from /proc, and its missing parents, as far as ancestry reaches. */
  private addFromProc(snapshot: ProcSnapshot, parentsLeft: number): ProcessEntry {
    let parent = this.table.liveByPid(snapshot.ppid);
    if (parent === undefined && parentsLeft > 0 && snapshot.ppid > 0) {
      const parentSnapshot = this.proc.read(snapshot.ppid);
      if (parentSnapshot !== undefined) parent = this.addFromProc(parentSnapshot, parentsLeft - 1);
    }
    const entry = this.entryFromProc(snapshot, parent);
    this.table.put(entry);
    this.counters.procFallbacks++;
    return entry;
  }

  private entryFromProc(snapshot: ProcSnapshot, parent: ProcessEntry | undefined): ProcessEntry {
    const cgroup =
      snapshot.cgroupFile === undefined
        ? undefined
        : this.cgroups.identityOfPath(cgroupPathFromProcFile(snapshot.cgroupFile));
    const startNs = snapshot.startTicks * this.tickNs;
    const init: ProcessEntryInit = {
      pid: snapshot.pid,
      startTick: snapshot.startTicks,
      startNs,
      execId: formatExecId(this.host, startNs, snapshot.pid),
      parentExecId: parent?.execId,
      ppid: snapshot.ppid,
      source: 'proc',
      binary: snapshot.binary,
      argv: snapshot.argv,
      cwd: snapshot.cwd,
      uid: snapshot.uid,
      user: snapshot.uid === undefined ? undefined : this.users.nameOf(snapshot.uid),
      ancestors: parent?.lineage(this.depth) ?? [],
      cgroup,
      pod: this.podUidOnly(cgroup),
    };
    return new ProcessEntry(init);
  }

  private podUidOnly(cgroup: CgroupIdentity | undefined): PodRef | undefined {
    return cgroup?.podUid === undefined ? undefined : { uid: cgroup.podUid };
  }

  /** The pod of a container process, looked up again only when the pod source has changed. */
  private podOf(entry: ProcessEntry, cgroup: CgroupIdentity): PodRef | undefined {
    const pods = this.pods;
    if (pods === undefined || (cgroup.containerId === undefined && cgroup.podUid === undefined)) return entry.pod;
    if (entry.podVersion !== pods.version) {
      entry.podVersion = pods.version;
      entry.pod = pods.lookup(cgroup.containerId, cgroup.podUid) ?? this.podUidOnly(cgroup);
    }
    return entry.pod;
  }
}
