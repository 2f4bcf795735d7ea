// The typed internal event every stage after decode works on: a union by kind.
import type { CredIds, Credentials, Namespaces } from './generated/abi.js';
import type { PolicyEvent } from './policy-events.js';

export type { CredIds, Credentials, Namespaces };

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

/** Device (as stat(2)'s st_dev) and inode: the file itself, whatever name it was reached by. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** open, openat, openat2, creat. */
export interface FileOpenEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.open';
  origin: RecordOrigin;
  process: ProcessRef;
  /** O_* flags as passed (creat's O_CREAT|O_WRONLY|O_TRUNC included). */
  openFlags: number;
  /** Creation mode as the kernel takes it: 0 unless O_CREAT or O_TMPFILE (openat2: as passed). */
  mode: number;
  /** openat2's RESOLVE_* flags. */
  resolve: number;
  /** openat/openat2's directory fd; -100 (AT_FDCWD) for the cwd. */
  dirfd: number;
  /** The file was taken at lsm/file_open (the sensor's LSM variant), not from the fd table. */
  fromLsm: boolean;
}

/** unlink, unlinkat (rmdir through AT_REMOVEDIR). */
export interface FileUnlinkEvent extends SyscallOutcome, PathRef {
  kind: 'file.unlink';
  origin: RecordOrigin;
  process: ProcessRef;
  dirfd: number;
  /** AT_* flags as passed (AT_REMOVEDIR = 0x200). */
  atFlags: number;
}

/** chmod, fchmod, fchmodat, fchmodat2. dev and ino are 0 unless the file was named by an fd. */
export interface FileChmodEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.chmod';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The directory fd, or the file's own fd for fchmod. */
  dirfd: number;
  atFlags: number;
  mode: number;
}

/** chown, fchown, lchown, fchownat. dev and ino are 0 unless the file was named by an fd. */
export interface FileChownEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.chown';
  origin: RecordOrigin;
  process: ProcessRef;
  dirfd: number;
  atFlags: number;
  /** The owner asked for; -1 leaves it unchanged. */
  uid: number;
  /** The group asked for; -1 leaves it unchanged. */
  gid: number;
}

/** rename, renameat, renameat2: both names as typed, joined to their directories. */
export interface FileRenameEvent extends SyscallOutcome {
  kind: 'file.rename';
  origin: RecordOrigin;
  process: ProcessRef;
  oldPath: string;
  oldPathUnresolved: boolean;
  oldPathTruncated: boolean;
  newPath: string;
  newPathUnresolved: boolean;
  newPathTruncated: boolean;
  oldDirfd: number;
  newDirfd: number;
  /** renameat2's RENAME_* flags. */
  renameFlags: number;
}

export interface SocketAddress {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  address: string;
  port: number;
}

/** What every network event says about its socket. */
export interface SocketRef {
  family: 'ipv4' | 'ipv6';
  /** `tcp` or `udp`. */
  protocol: string;
  local: SocketAddress;
  remote: SocketAddress;
}

/** connect(2) of a TCP or UDP socket, at the call's exit (EINPROGRESS for a non-blocking TCP connect). */
export interface NetworkConnectEvent extends SyscallOutcome, SocketRef {
  kind: 'network.connect';
  origin: RecordOrigin;
  process: ProcessRef;
}

/** A TCP connection accepted by accept/accept4; result is the new fd. */
export interface NetworkAcceptEvent extends SyscallOutcome, SocketRef {
  kind: 'network.accept';
  origin: RecordOrigin;
  process: ProcessRef;
}

/**
 * A TCP socket reached TCP_CLOSE. process is the socket's owner (the process that
 * connected, accepted or listened), not whatever ran when the kernel closed it; pid 0
 * and ownerKnown false when that happened before the sensor started.
 */
export interface NetworkCloseEvent extends SocketRef {
  kind: 'network.close';
  origin: RecordOrigin;
  process: ProcessRef;
  ownerKnown: boolean;
  /** The state it left: ESTABLISHED (a reset), SYN_SENT (a failed connect), LISTEN, FIN_WAIT2, ... */
  oldState: string;
  bytesAcked: number;
  bytesReceived: number;
}

export interface NetworkBindEvent extends SyscallOutcome, SocketRef {
  kind: 'network.bind';
  origin: RecordOrigin;
  process: ProcessRef;
}

export interface NetworkListenEvent extends SyscallOutcome, SocketRef {
  kind: 'network.listen';
  origin: RecordOrigin;
  process: ProcessRef;
  backlog: number;
}

/** The first datagram a process sends to a destination (sendto/sendmsg naming it). */
export interface NetworkUdpSendEvent extends SyscallOutcome, SocketRef {
  kind: 'network.udp_send';
  origin: RecordOrigin;
  process: ProcessRef;
}

/** How a credentials change raised privilege. */
export type PrivilegeRaise = 'uid_to_root' | 'gid_to_root' | 'caps_gained' | 'root_group_gained';

/** setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups, capset. */
export interface CredentialsChangeEvent extends SyscallOutcome {
  kind: 'credentials.change';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The ids passed, in the call's order (-1: unchanged); setgroups: the count; capset: none. */
  args: number[];
  before: CredIds;
  after: CredIds;
  /** The first supplementary groups after the call (after.ngroups says how many there are). */
  groups: number[];
  privilegeRaised: boolean;
  raisedBy: PrivilegeRaise[];
}

/** init_module / finit_module, every attempt. */
export interface ModuleLoadEvent extends SyscallOutcome {
  kind: 'module.load';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The module's name once the kernel had read it; empty for a load that failed before. */
  name: string;
  /** finit_module's file, resolved; empty for init_module. */
  path: string;
  /** The parameter string. */
  args: string;
  /** finit_module's fd; -1 for init_module. */
  fd: number;
  /** finit_module's MODULE_INIT_* flags. */
  loadFlags: number;
}

/** delete_module, every attempt. */
export interface ModuleUnloadEvent extends SyscallOutcome {
  kind: 'module.unload';
  origin: RecordOrigin;
  process: ProcessRef;
  name: string;
  /** O_NONBLOCK / O_TRUNC as passed. */
  unloadFlags: number;
}

export type FileEvent = FileOpenEvent | FileUnlinkEvent | FileChmodEvent | FileChownEvent | FileRenameEvent;
export type NetworkEvent =
  | NetworkConnectEvent
  | NetworkAcceptEvent
  | NetworkCloseEvent
  | NetworkBindEvent
  | NetworkListenEvent
  | NetworkUdpSendEvent;

export type { PolicyAuditEvent, PolicyEvent, PolicyMatchEvent, PolicySummaryEvent } from './policy-events.js';

export type Event =
  | ExecEvent
  | ExitEvent
  | ForkEvent
  | FileEvent
  | NetworkEvent
  | CredentialsChangeEvent
  | ModuleLoadEvent
  | ModuleUnloadEvent
  | PolicyEvent
  | BenchEvent;
export type EventKind = Event['kind'];
