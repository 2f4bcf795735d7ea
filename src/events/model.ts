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
 * identity (execId, ancestry) and what it knows of the process from the process cache.
 */
export interface ProcessRef {
  /** Thread group id: the process id users know. */
  pid: number;
  /** The thread that acted. */
  tid: number;
  /** Start of the thread group on the boot clock; with pid it survives pid reuse. */
  startNs: number;
  comm: string;
  execId?: string;
  parentExecId?: string;
  binary?: string;
  argv?: readonly string[];
  cwd?: string;
  uid?: number;
  user?: string;
  ancestors?: readonly AncestorRef[];
  containerId?: string;
}

export interface AncestorRef {
  pid: number;
  execId: string;
  binary: string;
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
