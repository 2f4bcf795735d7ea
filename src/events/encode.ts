// Builds raw ring records and batches from typed values, laid out by the generated
// LAYOUTS: synthetic captures for benchmarks and replay tests that need no kernel.
import { LAYOUTS, Op } from './generated/abi.js';
import type { Credentials, Namespaces } from './model.js';

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
