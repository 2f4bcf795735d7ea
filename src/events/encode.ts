// Builds raw ring records and batches from typed values, laid out by the generated
// LAYOUTS: synthetic captures for benchmarks and replay tests that need no kernel.
import { LAYOUTS, Op, type FileOpenEvent, type FilePathEvent, type FileRenameEvent } from './generated/abi.js';
import type { CredIds, Credentials, Namespaces } from './generated/abi.js';

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

function layout(struct: string): { size: number; fields: Record<string, { offset: number; size: number }> } {
  const l = LAYOUTS[struct];
  if (!l) throw new Error(`no layout for struct ${struct}`);
  return l;
}

function offset(struct: string, field: string): number {
  const f = layout(struct).fields[field];
  if (!f) throw new Error(`no field ${struct}.${field}`);
  return f.offset;
}

function writeU64(buf: Buffer, at: number, value: number | bigint): void {
  buf.writeBigUInt64LE(BigInt(value), at);
}

function writeHeader(buf: Buffer, op: number, h: RecordHeaderValues): void {
  buf.writeUInt16LE(op, offset('event_header', 'op'));
  buf.writeUInt16LE(buf.length, offset('event_header', 'size'));
  buf.writeUInt32LE(h.cpu, offset('event_header', 'cpu'));
  writeU64(buf, offset('event_header', 'ktime'), h.ktime);
  writeU64(buf, offset('event_header', 'seq'), h.seq);
}

function writeTask(buf: Buffer, at: number, t: TaskIdValues): void {
  buf.writeUInt32LE(t.tgid, at + offset('task_ids', 'tgid'));
  buf.writeUInt32LE(t.pid, at + offset('task_ids', 'pid'));
  writeU64(buf, at + offset('task_ids', 'start_ns'), t.startNs);
}

function writeComm(buf: Buffer, at: number, comm: string): void {
  buf.write(comm.slice(0, 15), at, 'utf8');
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
  const fixed = layout('exec_event').size;
  const buf = Buffer.alloc(fixed + filename.length + argv.length + cwd.length);
  const at = (field: string) => offset('exec_event', field);
  writeHeader(buf, Op.EXEC, v);
  writeTask(buf, at('task'), v.task);
  writeTask(buf, at('parent'), v.parent);
  const creds = at('creds');
  buf.writeUInt32LE(v.creds.uid, creds + offset('credentials', 'uid'));
  buf.writeUInt32LE(v.creds.gid, creds + offset('credentials', 'gid'));
  buf.writeUInt32LE(v.creds.euid, creds + offset('credentials', 'euid'));
  buf.writeUInt32LE(v.creds.egid, creds + offset('credentials', 'egid'));
  writeU64(buf, creds + offset('credentials', 'cap_effective'), v.creds.capEffective);
  writeU64(buf, creds + offset('credentials', 'cap_permitted'), v.creds.capPermitted);
  for (const [name, value] of Object.entries(v.ns) as [string, number][]) {
    buf.writeUInt32LE(value, at('ns') + offset('namespaces', name));
  }
  writeU64(buf, at('cgroup_id'), v.cgroupId);
  buf.writeUInt32LE(v.flags, at('flags'));
  buf.writeUInt32LE(v.argv.length, at('argc'));
  buf.writeUInt16LE(filename.length, at('filename_len'));
  buf.writeUInt16LE(argv.length, at('argv_len'));
  buf.writeUInt16LE(cwd.length, at('cwd_len'));
  writeComm(buf, at('comm'), v.comm);
  filename.copy(buf, fixed);
  argv.copy(buf, fixed + filename.length);
  cwd.copy(buf, fixed + filename.length + argv.length);
  return buf;
}

export interface ExitRecordValues extends RecordHeaderValues {
  task: TaskIdValues;
  status: number;
  comm: string;
}

export function encodeExit(v: ExitRecordValues): Buffer {
  const buf = Buffer.alloc(layout('exit_event').size);
  writeHeader(buf, Op.EXIT, v);
  writeTask(buf, offset('exit_event', 'task'), v.task);
  buf.writeUInt32LE(v.status, offset('exit_event', 'status'));
  writeComm(buf, offset('exit_event', 'comm'), v.comm);
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

type FieldValue = number | bigint | string | Buffer;

/**
 * Writes fields of `struct` (C names, as LAYOUTS has them) at `at`: numbers by the field's
 * size (negative ones as two's complement), strings into char arrays, Buffers as bytes.
 */
function writeFields(buf: Buffer, struct: string, at: number, values: Readonly<Record<string, FieldValue>>): void {
  const fields = layout(struct).fields;
  for (const [name, value] of Object.entries(values)) {
    const f = fields[name];
    if (!f) throw new Error(`no field ${struct}.${name}`);
    const where = at + f.offset;
    if (typeof value === 'string') buf.write(value.slice(0, f.size - 1), where, 'utf8');
    else if (Buffer.isBuffer(value)) value.copy(buf, where, 0, f.size);
    else if (f.size === 8) buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), where);
    else buf.writeUIntLE(Number(BigInt.asUintN(f.size * 8, BigInt(value))), where, f.size);
  }
}

/** A record of `struct` with its header, task ids and comm, followed by `tails` back to back. */
function record(
  struct: string,
  op: number,
  v: RecordHeaderValues & { task: TaskIdValues; comm: string },
  tails: Buffer[],
): Buffer {
  const fixed = layout(struct).size;
  const buf = Buffer.alloc(fixed + tails.reduce((n, t) => n + t.length, 0));
  writeHeader(buf, op, v);
  writeTask(buf, offset(struct, 'task'), v.task);
  writeComm(buf, offset(struct, 'comm'), v.comm);
  let at = fixed;
  for (const tail of tails) at += tail.copy(buf, at);
  return buf;
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
  const buf = record('file_open_event', Op.FILE_OPEN, v, [path]);
  writeFields(buf, 'file_open_event', 0, {
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
  const buf = record('file_path_event', op, v, [path]);
  writeFields(buf, 'file_path_event', 0, {
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
  const buf = record('file_rename_event', Op.FILE_RENAME, v, [oldPath, newPath]);
  writeFields(buf, 'file_rename_event', 0, {
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
  const buf = record('sock_event', op, v, []);
  writeFields(buf, 'sock_event', 0, {
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
  writeFields(buf, 'cred_ids', at, {
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
  const buf = record('cred_change_event', Op.CRED_CHANGE, v, []);
  const [arg0 = 0, arg1 = 0, arg2 = 0] = v.args;
  writeFields(buf, 'cred_change_event', 0, { result: v.result, syscall: v.syscall, arg0, arg1, arg2, flags: v.flags });
  writeCredIds(buf, offset('cred_change_event', 'old_creds'), v.before);
  writeCredIds(buf, offset('cred_change_event', 'new_creds'), v.after);
  const groups = offset('cred_change_event', 'groups');
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
  const buf = record('module_event', op, v, [path, args]);
  writeFields(buf, 'module_event', 0, {
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

export interface PolicyRecordValues extends SyscallRecordValues {
  creds: Credentials;
  policyId: number;
  ruleIndex: number;
  selector: number;
  /** PolicyHook.HOOK_* */
  hook: number;
  /** PolicyMechanism.MECH_* */
  mechanism: number;
  /** PolicyAction.ACTION_* bits */
  actions: number;
  signal: number;
  signalResult: number;
  error: number;
  openFlags: number;
  dev: number;
  ino: number;
  suppressed: number;
  family: number;
  sport: number;
  dport: number;
  saddr: Buffer;
  daddr: Buffer;
  /** PolicyEventFlags bits */
  flags: number;
  policy: string;
  path: string;
}

export function encodePolicy(v: PolicyRecordValues): Buffer {
  const path = Buffer.from(v.path);
  const buf = record('policy_event', Op.POLICY, v, [path]);
  const creds = offset('policy_event', 'creds');
  writeFields(buf, 'credentials', creds, {
    uid: v.creds.uid,
    gid: v.creds.gid,
    euid: v.creds.euid,
    egid: v.creds.egid,
    cap_effective: v.creds.capEffective,
    cap_permitted: v.creds.capPermitted,
  });
  writeFields(buf, 'policy_event', 0, {
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
