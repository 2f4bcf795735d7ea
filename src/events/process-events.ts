// Events of the process sensor (bpf/process.bpf.c): exec, exit, fork.
import type { Credentials, Namespaces } from './generated/abi.js';
import type { ProcessRef, RecordOrigin } from './references.js';

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
