// The typed internal event every stage after decode works on: a union by kind.
import type { Credentials, Namespaces } from './generated/abi.js';

export type { Credentials, Namespaces };

/** Where a record came from in the kernel. */
export interface RecordOrigin {
  /** Nanoseconds since boot (boot clock), when the kernel emitted the record. */
  ktime: number;
  cpu: number;
  /** Per-CPU sequence number; a gap means records were lost on that CPU. */
  seq: number;
  /**
   * Realtime minus boot time on the host that emitted the record, so that ktime becomes
   * wall-clock time (see clock.ts); one shared value per source, not per event.
   */
  clockOffsetNs: bigint;
}

/**
 * The process an event belongs to. Decode fills the kernel ids; the enrich stage adds
 * identity (execId, ancestry) and what it knows of the process from the process cache
 * (src/processors/enrich/process-enricher.ts explains where each field comes from).
 * Its arrays and objects (argv, ancestors, pod) are the cache's, shared by many events:
 * replace them, never change them in place.
 */
export interface ProcessRef {
  /** Thread group id: the process id users know. */
  pid: number;
  /** The thread that acted. */
  tid: number;
  /** Start of the thread group on the boot clock; with pid it survives pid reuse. */
  startNs: number;
  comm: string;
  /** This process image, unique on the host across pid reuse (src/processes/exec-id.ts). */
  execId?: string;
  /** The image this one came from: the one it replaced by exec, else its parent's. */
  parentExecId?: string;
  /** The parent process (real_parent) when this image began. */
  ppid?: number;
  binary?: string;
  argv?: readonly string[];
  cwd?: string;
  uid?: number;
  /** The uid's name in the host's passwd database. */
  user?: string;
  /** Images this one came from, nearest first, up to the configured depth. */
  ancestors?: readonly AncestorRef[];
  /** The cgroup (v2 when mounted) the process ran in at exec. */
  cgroupPath?: string;
  /** The systemd unit (.service or .scope) of a process outside containers. */
  systemdUnit?: string;
  containerId?: string;
  /** docker, containerd, cri-o, podman, lxc, or cri (Kubernetes; the path names no runtime). */
  containerRuntime?: string;
  pod?: PodRef;
}

export interface AncestorRef {
  pid: number;
  execId: string;
  /** Empty when unknown (a kernel thread, or a process seen only as a zombie). */
  binary: string;
}

/** The Kubernetes pod of a container; only uid when the API is not consulted. */
export interface PodRef {
  uid: string;
  name?: string;
  namespace?: string;
  labels?: Readonly<Record<string, string>>;
  containerName?: string;
  /** The controller at the top of the owner chain, e.g. Deployment, StatefulSet, CronJob. */
  workload?: WorkloadRef;
}

export interface WorkloadRef {
  kind: string;
  name: string;
}

export interface ExecEvent {
  kind: 'process.exec';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The parent process (real_parent's thread group). */
  parent: { pid: number; startNs: number };
  /** Absolute path of the executed file (as typed when it could not be resolved). */
  binary: string;
  argv: string[];
  /** argv was longer than the kernel's bound: the last element may be cut short. */
  argvTruncated: boolean;
  binaryTruncated: boolean;
  binaryUnresolved: boolean;
  cwd: string;
  cwdTruncated: boolean;
  creds: Credentials;
  namespaces: Namespaces;
  cgroupId: number;
}

export interface ExitEvent {
  kind: 'process.exit';
  origin: RecordOrigin;
  process: ProcessRef;
  /** exit(2) code, when the process exited rather than being killed. */
  exitCode: number;
  /** The terminating signal, 0 when it exited normally. */
  signal: number;
  coreDumped: boolean;
}

export interface ForkEvent {
  kind: 'process.fork';
  origin: RecordOrigin;
  /** The new child process. */
  process: ProcessRef;
  parent: { pid: number; startNs: number };
}

/** Emitted only by bpf/bench.bpf.c, so benchmarks measure the real decode path. */
export interface BenchEvent {
  kind: 'ebpipe.bench';
  origin: RecordOrigin;
  process: ProcessRef;
  value: number;
}

export type Event = ExecEvent | ExitEvent | ForkEvent | BenchEvent;
export type EventKind = Event['kind'];
