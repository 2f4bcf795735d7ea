// What events of every domain refer to: where a record came from, the process (with its
// ancestry, pod and workload), a socket address, a system call's outcome, a path. Imports no event.

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
  /** /proc/sys/kernel/random/boot_id of that host: with cpu and seq, what tells a gap from a reboot. */
  bootId?: string | undefined;
  /** When user space read the record, ns since the Unix epoch; one shared value per batch. */
  observedNs?: bigint | undefined;
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

export interface SocketAddress {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  address: string;
  port: number;
}

/** What every record made at a system call's exit says about the call. */
export interface SyscallOutcome {
  /** The system call, e.g. `openat`, `renameat2`, `setresuid`. */
  syscall: string;
  /** The call's return value: an fd, a byte count or 0; -errno when it failed. */
  result: number;
  /** The errno's name (ENOENT, EACCES, ...) when it failed. */
  error?: string;
}

/** A file named by a path. */
export interface PathRef {
  /**
   * Absolute. Resolved from the kernel's objects (symlinks and `..` followed) unless
   * pathUnresolved: then the name as the caller typed it, joined to its directory.
   */
  path: string;
  pathUnresolved: boolean;
  /** Longer than the kernel's bound; the path keeps its last components (or the name its start). */
  pathTruncated: boolean;
}
