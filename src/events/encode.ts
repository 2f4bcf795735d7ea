// Builds raw ring records and batches from typed values, laid out by the ABI codec
// (struct-codec.ts): synthetic captures for benchmarks and replay tests that need no kernel.
import { Op, type FileOpenEvent, type FilePathEvent, type FileRenameEvent, type PolicyEvent } from './generated/abi.js';
import type { CredIds, Credentials, Namespaces } from './generated/abi.js';
import { StructCodec } from './struct-codec.js';

export interface RecordHeaderValues {
  ktime: number;
  cpu: number;
  seq: number;
}
export interface TaskIdValues {
  tgid: number;
  pid: number;
  startNs: number;
}

const header = new StructCodec('event_header');
const taskIds = new StructCodec('task_ids');
const credentials = new StructCodec('credentials');
const namespaces = new StructCodec('namespaces');
const credIds = new StructCodec('cred_ids');
const execRecord = new StructCodec('exec_event');
const exitRecord = new StructCodec('exit_event');
const forkRecord = new StructCodec('fork_event');
const fileOpenRecord = new StructCodec('file_open_event');
const filePathRecord = new StructCodec('file_path_event');
const fileRenameRecord = new StructCodec('file_rename_event');
const sockRecord = new StructCodec('sock_event');
const credChangeRecord = new StructCodec('cred_change_event');
const moduleRecord = new StructCodec('module_event');
const policyRecord = new StructCodec('policy_event');

function writeHeader(buf: Buffer, op: number, h: RecordHeaderValues): void {
  header.write(buf, 0, { op, size: buf.length, cpu: h.cpu, ktime: h.ktime, seq: h.seq });
}

function writeTask(buf: Buffer, at: number, t: TaskIdValues): void {
  taskIds.write(buf, at, { tgid: t.tgid, pid: t.pid, start_ns: t.startNs });
}

function writeCredentials(buf: Buffer, at: number, c: Credentials): void {
  credentials.write(buf, at, {
    uid: c.uid,
    gid: c.gid,
    euid: c.euid,
    egid: c.egid,
    cap_effective: c.capEffective,
    cap_permitted: c.capPermitted,
  });
}

/** A record with its header, task ids and comm, followed by `tails` back to back. */
function record(
  codec: StructCodec,
  op: number,
  v: RecordHeaderValues & { task: TaskIdValues; comm: string },
  tails: readonly Buffer[],
): Buffer {
  const fixed = codec.size;
  const buf = Buffer.alloc(fixed + tails.reduce((n, t) => n + t.length, 0));
  writeHeader(buf, op, v);
  writeTask(buf, codec.offset('task'), v.task);
  codec.write(buf, 0, { comm: v.comm });
  let at = fixed;
  for (const tail of tails) at += tail.copy(buf, at);
  return buf;
}

export interface ExecRecordValues extends RecordHeaderValues {
  task: TaskIdValues;
  parent: TaskIdValues;
  creds: Credentials;
  ns: Namespaces;
  cgroupId: number;
  flags: number;
  comm: string;
  filename: string;
  argv: readonly string[];
  cwd: string;
}

export function encodeExec(v: ExecRecordValues): Buffer {
  const filename = Buffer.from(v.filename);
  const argv = Buffer.from(v.argv.map((a) => `${a}\0`).join(''));
  const cwd = Buffer.from(v.cwd);
  const buf = record(execRecord, Op.EXEC, v, [filename, argv, cwd]);
  writeTask(buf, execRecord.offset('parent'), v.parent);
  writeCredentials(buf, execRecord.offset('creds'), v.creds);
  namespaces.write(buf, execRecord.offset('ns'), { ...v.ns });
  execRecord.write(buf, 0, {
    cgroup_id: v.cgroupId,
    flags: v.flags,
    argc: v.argv.length,
    filename_len: filename.length,
    argv_len: argv.length,
    cwd_len: cwd.length,
  });
  return buf;
}

export interface ExitRecordValues extends RecordHeaderValues {
  task: TaskIdValues;
  status: number;
  comm: string;
}

export function encodeExit(v: ExitRecordValues): Buffer {
  const buf = record(exitRecord, Op.EXIT, v, []);
  exitRecord.write(buf, 0, { status: v.status });
  return buf;
}

export interface ForkRecordValues extends RecordHeaderValues {
  /** The new child. */
  task: TaskIdValues;
  parent: TaskIdValues;
  comm: string;
}

export function encodeFork(v: ForkRecordValues): Buffer {
  const buf = record(forkRecord, Op.FORK, v, []);
  writeTask(buf, forkRecord.offset('parent'), v.parent);
  return buf;
}

/** The native reader's batch framing: { u32 length; u32 zero; record; zero padding to 8 } per record. */
export function frameBatch(records: readonly Buffer[]): Buffer {
  const size = records.reduce((n, r) => n + ((8 + r.length + 7) & ~7), 0);
  const batch = Buffer.alloc(size);
  let at = 0;
  for (const r of records) {
    batch.writeUInt32LE(r.length, at);
    r.copy(batch, at + 8);
    at += (8 + r.length + 7) & ~7;
  }
  return batch;
}

export interface SyscallRecordValues extends RecordHeaderValues {
  task: TaskIdValues;
  comm: string;
  /** Syscall.SYS_* */
  syscall: number;
  result: number;
}

/** The generated record's fields, with the path in place of its length. */
export interface FileOpenRecordValues extends SyscallRecordValues, Omit<FileOpenEvent, 'pathLen' | 'comm'> {
  path: string;
}

export function encodeFileOpen(v: FileOpenRecordValues): Buffer {
  const path = Buffer.from(v.path);
  const buf = record(fileOpenRecord, Op.FILE_OPEN, v, [path]);
  fileOpenRecord.write(buf, 0, {
    result: v.result,
    syscall: v.syscall,
    open_flags: v.openFlags,
    mode: v.mode,
    resolve: v.resolve,
    dev: v.dev,
    ino: v.ino,
    dirfd: v.dirfd,
    flags: v.flags,
    path_len: path.length,
  });
  return buf;
}

export interface FilePathRecordValues extends SyscallRecordValues, Omit<FilePathEvent, 'pathLen' | 'comm'> {
  path: string;
}

/** unlink, chmod and chown records (`op` is Op.FILE_UNLINK, FILE_CHMOD or FILE_CHOWN). */
export function encodeFilePath(op: number, v: FilePathRecordValues): Buffer {
  const path = Buffer.from(v.path);
  const buf = record(filePathRecord, op, v, [path]);
  filePathRecord.write(buf, 0, {
    result: v.result,
    syscall: v.syscall,
    dirfd: v.dirfd,
    at_flags: v.atFlags,
    mode: v.mode,
    uid: v.uid,
    gid: v.gid,
    flags: v.flags,
    dev: v.dev,
    ino: v.ino,
    path_len: path.length,
  });
  return buf;
}

export interface FileRenameRecordValues
  extends SyscallRecordValues, Omit<FileRenameEvent, 'oldPathLen' | 'newPathLen' | 'comm'> {
  oldPath: string;
  newPath: string;
}

export function encodeFileRename(v: FileRenameRecordValues): Buffer {
  const oldPath = Buffer.from(v.oldPath);
  const newPath = Buffer.from(v.newPath);
  const buf = record(fileRenameRecord, Op.FILE_RENAME, v, [oldPath, newPath]);
  fileRenameRecord.write(buf, 0, {
    result: v.result,
    syscall: v.syscall,
    old_dirfd: v.oldDirfd,
    new_dirfd: v.newDirfd,
    rename_flags: v.renameFlags,
    flags: v.flags,
    old_path_len: oldPath.length,
    new_path_len: newPath.length,
  });
  return buf;
}

export interface SockRecordValues extends SyscallRecordValues {
  /** AF_INET (2) or AF_INET6 (10). */
  family: number;
  protocol: number;
  localPort: number;
  remotePort: number;
  /** 4 or 16 bytes in network order. */
  localAddr: Buffer;
  remoteAddr: Buffer;
  backlog: number;
  oldState: number;
  flags: number;
  bytesAcked: number;
  bytesReceived: number;
}

/** Records of the network sensor (`op` is one of Op.NET_*). */
export function encodeSock(op: number, v: SockRecordValues): Buffer {
  const buf = record(sockRecord, op, v, []);
  sockRecord.write(buf, 0, {
    result: v.result,
    syscall: v.syscall,
    family: v.family,
    protocol: v.protocol,
    local_port: v.localPort,
    remote_port: v.remotePort,
    local_addr: v.localAddr,
    remote_addr: v.remoteAddr,
    backlog: v.backlog,
    old_state: v.oldState,
    flags: v.flags,
    bytes_acked: v.bytesAcked,
    bytes_received: v.bytesReceived,
  });
  return buf;
}

function writeCredIds(buf: Buffer, at: number, c: CredIds): void {
  credIds.write(buf, at, {
    uid: c.uid,
    euid: c.euid,
    suid: c.suid,
    fsuid: c.fsuid,
    gid: c.gid,
    egid: c.egid,
    sgid: c.sgid,
    fsgid: c.fsgid,
    cap_effective: c.capEffective,
    cap_permitted: c.capPermitted,
    cap_inheritable: c.capInheritable,
    cap_ambient: c.capAmbient,
    ngroups: c.ngroups,
  });
}

export interface CredChangeRecordValues extends SyscallRecordValues {
  /** Up to three ids as passed (-1 for "unchanged"). */
  args: readonly number[];
  flags: number;
  before: CredIds;
  after: CredIds;
  /** Up to EBPIPE_GROUPS_MAX supplementary groups after the call. */
  groups: readonly number[];
}

export function encodeCredChange(v: CredChangeRecordValues): Buffer {
  const buf = record(credChangeRecord, Op.CRED_CHANGE, v, []);
  const [arg0 = 0, arg1 = 0, arg2 = 0] = v.args;
  credChangeRecord.write(buf, 0, { result: v.result, syscall: v.syscall, arg0, arg1, arg2, flags: v.flags });
  writeCredIds(buf, credChangeRecord.offset('old_creds'), v.before);
  writeCredIds(buf, credChangeRecord.offset('new_creds'), v.after);
  const groups = credChangeRecord.offset('groups');
  v.groups.forEach((gid, i) => buf.writeUInt32LE(gid, groups + 4 * i));
  return buf;
}

export interface ModuleRecordValues extends SyscallRecordValues {
  fd: number;
  syscallFlags: number;
  flags: number;
  name: string;
  /** finit_module's file; empty otherwise. */
  path: string;
  args: string;
}

/** Module records (`op` is Op.MODULE_LOAD or MODULE_UNLOAD; an unload has no path or args). */
export function encodeModule(op: number, v: ModuleRecordValues): Buffer {
  const path = Buffer.from(v.path);
  const args = Buffer.from(v.args);
  const buf = record(moduleRecord, op, v, [path, args]);
  moduleRecord.write(buf, 0, {
    result: v.result,
    syscall: v.syscall,
    fd: v.fd,
    syscall_flags: v.syscallFlags,
    flags: v.flags,
    path_len: path.length,
    args_len: args.length,
    name: v.name,
  });
  return buf;
}

/**
 * The generated record's fields (hook, mechanism and actions in PolicyHook, PolicyMechanism and
 * PolicyAction terms), with the path in place of its length and the addresses as bytes.
 */
export interface PolicyRecordValues extends SyscallRecordValues, Omit<PolicyEvent, 'pathLen' | 'comm'> {
  /** 4 or 16 bytes in network order. */
  saddr: Buffer;
  daddr: Buffer;
  path: string;
}

export function encodePolicy(v: PolicyRecordValues): Buffer {
  const path = Buffer.from(v.path);
  const buf = record(policyRecord, Op.POLICY, v, [path]);
  writeCredentials(buf, policyRecord.offset('creds'), v.creds);
  policyRecord.write(buf, 0, {
    policy_id: v.policyId,
    rule_index: v.ruleIndex,
    selector: v.selector,
    hook: v.hook,
    mechanism: v.mechanism,
    syscall: v.syscall,
    actions: v.actions,
    signal: v.signal,
    signal_result: v.signalResult,
    error: v.error,
    result: v.result,
    open_flags: v.openFlags,
    dev: v.dev,
    ino: v.ino,
    suppressed: v.suppressed,
    family: v.family,
    sport: v.sport,
    dport: v.dport,
    path_len: path.length,
    saddr: v.saddr,
    daddr: v.daddr,
    flags: v.flags,
    policy: v.policy,
  });
  return buf;
}
