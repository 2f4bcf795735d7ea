// Raw ring records -> typed events. A batch is repeated { u32 length; u32 zero; record;
// pad to 8 } (native/src/ring_reader.h). Unknown or truncated records are counted and skipped.
import {
  BENCH_EVENT_SIZE,
  CRED_CHANGE_EVENT_SIZE,
  CredFlags,
  EVENT_HEADER_SIZE,
  EXEC_EVENT_SIZE,
  EXIT_EVENT_SIZE,
  ExecFlags,
  FILE_OPEN_EVENT_SIZE,
  FILE_PATH_EVENT_SIZE,
  FILE_RENAME_EVENT_SIZE,
  FORK_EVENT_SIZE,
  FileFlags,
  MODULE_EVENT_SIZE,
  NetFlags,
  Op,
  POLICY_EVENT_SIZE,
  PolicyAction,
  PolicyEventFlags,
  PolicyHook,
  PolicyMechanism,
  SOCK_EVENT_SIZE,
  Syscall,
  readBenchEvent,
  readCredChangeEvent,
  readExecEvent,
  readExitEvent,
  readFileOpenEvent,
  readFilePathEvent,
  readFileRenameEvent,
  readForkEvent,
  readModuleEvent,
  readPolicyEvent,
  readSockEvent,
} from './generated/abi.js';
import {
  AF_INET6,
  errnoName,
  formatIpv4,
  formatIpv6,
  protocolName,
  syscallName,
  tcpStateName,
} from './kernel-names.js';
import { readU64, RECORD_HEADER, RecordView } from './record-view.js';
import { StructCodec } from './struct-codec.js';
import type { BenchEvent } from './bench-events.js';
import type { CredentialsChangeEvent, PrivilegeRaise } from './credentials-events.js';
import type { FileEvent, FileRenameEvent } from './file-events.js';
import type { Event } from './model.js';
import type { ModuleLoadEvent, ModuleUnloadEvent } from './module-events.js';
import type { NetworkEvent, SocketRef } from './network-events.js';
import type { PolicyMatchEvent } from './policy-events.js';
import type { ExecEvent, ExitEvent, ForkEvent } from './process-events.js';
import type { ProcessRef, RecordOrigin, SyscallOutcome } from './references.js';

export interface DecodeStats {
  decoded: number;
  /** Records whose op this decoder does not know (a newer kernel side, or corruption). */
  unknownOp: number;
  /** Records shorter than their struct, or whose tail overruns the record. */
  truncated: number;
  /** Batches whose framing is broken (length prefix past the end). */
  badFraming: number;
}

const LENGTH_PREFIX = 8;
const header = new StructCodec('event_header');
const OP_OFFSET = header.offset('op');
const SIZE_OFFSET = header.offset('size');

/** Arrays of numbers are not in the generated readers (scripts/generate-decoder.ts). */
const sock = new StructCodec('sock_event');
const LOCAL_ADDR_OFFSET = sock.offset('local_addr');
const REMOTE_ADDR_OFFSET = sock.offset('remote_addr');
const credChange = new StructCodec('cred_change_event');
const GROUPS_OFFSET = credChange.offset('groups');
const GROUPS_MAX = credChange.fieldSize('groups') / 4;
const policyEvent = new StructCodec('policy_event');
const POLICY_SADDR_OFFSET = policyEvent.offset('saddr');
const POLICY_DADDR_OFFSET = policyEvent.offset('daddr');

const POLICY_ACTIONS: readonly [number, PolicyMatchEvent['actions'][number]][] = [
  [PolicyAction.ACTION_POST, 'post'],
  [PolicyAction.ACTION_SIGKILL, 'sigkill'],
  [PolicyAction.ACTION_SIGNAL, 'signal'],
  [PolicyAction.ACTION_OVERRIDE, 'override'],
  [PolicyAction.ACTION_RATE_LIMIT, 'rate_limit'],
];

const POLICY_MECHANISMS: Readonly<Record<number, PolicyMatchEvent['mechanism']>> = {
  [PolicyMechanism.MECH_SYSCALL_EXIT]: 'syscall_exit',
  [PolicyMechanism.MECH_LSM]: 'lsm',
  [PolicyMechanism.MECH_TP_BTF]: 'tp_btf',
};

/** The kernel's "leave unchanged" id, (u32)-1. */
const UNCHANGED_ID = 0xffffffff;

const RAISES: readonly [number, PrivilegeRaise][] = [
  [CredFlags.CRED_UID_TO_ROOT, 'uid_to_root'],
  [CredFlags.CRED_GID_TO_ROOT, 'gid_to_root'],
  [CredFlags.CRED_CAPS_GAINED, 'caps_gained'],
  [CredFlags.CRED_ROOT_GROUP_GAINED, 'root_group_gained'],
];

/** How many ids each credentials call takes (the record holds three slots). */
const CRED_ARG_COUNTS: Readonly<Record<number, number>> = {
  [Syscall.SYS_SETUID]: 1,
  [Syscall.SYS_SETGID]: 1,
  [Syscall.SYS_SETREUID]: 2,
  [Syscall.SYS_SETREGID]: 2,
  [Syscall.SYS_SETRESUID]: 3,
  [Syscall.SYS_SETRESGID]: 3,
  [Syscall.SYS_SETFSUID]: 1,
  [Syscall.SYS_SETFSGID]: 1,
  [Syscall.SYS_SETGROUPS]: 1,
  [Syscall.SYS_CAPSET]: 0,
};

function signedId(id: number): number {
  return id === UNCHANGED_ID ? -1 : id;
}

/** The acting task every record carries after its header. */
function processAt(v: RecordView, at: number, comm: string): ProcessRef {
  return {
    pid: v.u32[(at + RECORD_HEADER.tgid) >>> 2]!,
    tid: v.u32[(at + RECORD_HEADER.pid) >>> 2]!,
    startNs: readU64(v, at + RECORD_HEADER.startNs),
    comm,
  };
}

/** Results are __s32 in the records; the generated readers give them unsigned. */
function outcome(syscall: number, result: number): SyscallOutcome {
  const signed = result | 0;
  const error = errnoName(signed);
  return error === undefined
    ? { syscall: syscallName(syscall), result: signed }
    : { syscall: syscallName(syscall), result: signed, error };
}

/** The record's header; clockOffsetNs is filled in by RecordDecoder.decodeRecord for every event. */
function originAt(v: RecordView, at: number): RecordOrigin {
  return {
    ktime: readU64(v, at + RECORD_HEADER.ktime),
    cpu: v.u32[(at + RECORD_HEADER.cpu) >>> 2]!,
    seq: readU64(v, at + RECORD_HEADER.seq),
    clockOffsetNs: 0n,
  };
}

/** NUL-separated argv as the kernel stores it: every string, empty ones included, ends in a NUL. */
function splitArgv(buf: Buffer, start: number, end: number): string[] {
  const argv: string[] = [];
  let at = start;
  while (at < end) {
    let nul = buf.indexOf(0, at);
    if (nul === -1 || nul > end) nul = end;
    argv.push(buf.toString('utf8', at, nul));
    at = nul + 1;
  }
  return argv;
}

export class RecordDecoder {
  readonly stats: DecodeStats = { decoded: 0, unknownOp: 0, truncated: 0, badFraming: 0 };

  /** Set on every decoded origin: the source's boot and when the batch was read. */
  bootId: string | undefined;
  observedNs: bigint | undefined;

  /** @param clockOffsetNs realtime - boottime of the host the records come from (clock.ts) */
  constructor(public clockOffsetNs = 0n) {}

  /** Decodes every record of a batch into `out`. */
  decodeBatch(batch: Buffer, out: Event[]): void {
    const v = new RecordView(batch);
    let at = 0;
    while (at + LENGTH_PREFIX <= v.buf.length) {
      const length = v.u32[at >>> 2]!;
      const record = at + LENGTH_PREFIX;
      if (record + length > v.buf.length) {
        this.stats.badFraming++;
        return;
      }
      const event = this.decodeRecord(v, record, length);
      if (event) out.push(event);
      at = (record + length + 7) & ~7;
    }
  }

  /** One record at [at, at + length) of the view; `at` is 8-byte aligned. */
  decodeRecord(v: RecordView, at: number, length: number): Event | null {
    if (length < EVENT_HEADER_SIZE) {
      this.stats.truncated++;
      return null;
    }
    const op = v.u16[(at + OP_OFFSET) >>> 1]!;
    const size = v.u16[(at + SIZE_OFFSET) >>> 1]!;
    if (size > length) {
      this.stats.truncated++;
      return null;
    }
    let event: Event | null;
    switch (op) {
      case Op.EXEC:
        event = size < EXEC_EVENT_SIZE ? null : this.exec(v, at, size);
        break;
      case Op.EXIT:
        event = size < EXIT_EVENT_SIZE ? null : this.exit(v, at);
        break;
      case Op.FORK:
        event = size < FORK_EVENT_SIZE ? null : this.fork(v, at);
        break;
      case Op.FILE_OPEN:
        event = size < FILE_OPEN_EVENT_SIZE ? null : this.fileOpen(v, at, size);
        break;
      case Op.FILE_UNLINK:
      case Op.FILE_CHMOD:
      case Op.FILE_CHOWN:
        event = size < FILE_PATH_EVENT_SIZE ? null : this.filePath(op, v, at, size);
        break;
      case Op.FILE_RENAME:
        event = size < FILE_RENAME_EVENT_SIZE ? null : this.fileRename(v, at, size);
        break;
      case Op.NET_CONNECT:
      case Op.NET_ACCEPT:
      case Op.NET_CLOSE:
      case Op.NET_BIND:
      case Op.NET_LISTEN:
      case Op.NET_UDP_SEND:
        event = size < SOCK_EVENT_SIZE ? null : this.sock(op, v, at);
        break;
      case Op.CRED_CHANGE:
        event = size < CRED_CHANGE_EVENT_SIZE ? null : this.credChange(v, at);
        break;
      case Op.MODULE_LOAD:
      case Op.MODULE_UNLOAD:
        event = size < MODULE_EVENT_SIZE ? null : this.module(op, v, at, size);
        break;
      case Op.POLICY:
        event = size < POLICY_EVENT_SIZE ? null : this.policy(v, at, size);
        break;
      case Op.BENCH:
        event = size < BENCH_EVENT_SIZE ? null : this.bench(v, at);
        break;
      default:
        this.stats.unknownOp++;
        return null;
    }
    if (event) {
      const origin = event.origin;
      origin.clockOffsetNs = this.clockOffsetNs;
      // Only when known, so that origins from sources without them compare equal to plain ones.
      if (this.bootId !== undefined) origin.bootId = this.bootId;
      if (this.observedNs !== undefined) origin.observedNs = this.observedNs;
      this.stats.decoded++;
    } else {
      this.stats.truncated++;
    }
    return event;
  }

  private exec(v: RecordView, at: number, size: number): ExecEvent | null {
    const raw = readExecEvent(v, at);
    const buf = v.buf;
    const filename = at + EXEC_EVENT_SIZE;
    const argv = filename + raw.filenameLen;
    const cwd = argv + raw.argvLen;
    const end = cwd + raw.cwdLen;
    if (end > at + size) return null;
    return {
      kind: 'process.exec',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      parent: { pid: raw.parent.tgid, startNs: raw.parent.startNs },
      binary: buf.toString('utf8', filename, argv),
      argv: splitArgv(buf, argv, cwd),
      argvTruncated: (raw.flags & ExecFlags.ARGV_TRUNCATED) !== 0,
      binaryTruncated: (raw.flags & ExecFlags.FILENAME_TRUNCATED) !== 0,
      binaryUnresolved: (raw.flags & ExecFlags.FILENAME_UNRESOLVED) !== 0,
      cwd: buf.toString('utf8', cwd, end),
      cwdTruncated: (raw.flags & ExecFlags.CWD_TRUNCATED) !== 0,
      creds: raw.creds,
      namespaces: raw.ns,
      cgroupId: raw.cgroupId,
    };
  }

  private exit(v: RecordView, at: number): ExitEvent {
    const raw = readExitEvent(v, at);
    return {
      kind: 'process.exit',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      exitCode: (raw.status >> 8) & 0xff,
      signal: raw.status & 0x7f,
      coreDumped: (raw.status & 0x80) !== 0,
    };
  }

  private fork(v: RecordView, at: number): ForkEvent {
    const raw = readForkEvent(v, at);
    return {
      kind: 'process.fork',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      parent: { pid: raw.parent.tgid, startNs: raw.parent.startNs },
    };
  }

  private fileOpen(v: RecordView, at: number, size: number): FileEvent | null {
    const raw = readFileOpenEvent(v, at);
    const path = at + FILE_OPEN_EVENT_SIZE;
    const end = path + raw.pathLen;
    if (end > at + size) return null;
    return {
      kind: 'file.open',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      ...outcome(raw.syscall, raw.result),
      path: v.buf.toString('utf8', path, end),
      pathUnresolved: (raw.flags & FileFlags.FILE_PATH_UNRESOLVED) !== 0,
      pathTruncated: (raw.flags & FileFlags.FILE_PATH_TRUNCATED) !== 0,
      dev: raw.dev,
      ino: raw.ino,
      openFlags: raw.openFlags,
      mode: raw.mode,
      resolve: raw.resolve,
      dirfd: raw.dirfd | 0,
      fromLsm: (raw.flags & FileFlags.FILE_FROM_LSM) !== 0,
    };
  }

  /** unlink, chmod and chown share one record. */
  private filePath(op: number, v: RecordView, at: number, size: number): FileEvent | null {
    const raw = readFilePathEvent(v, at);
    const path = at + FILE_PATH_EVENT_SIZE;
    const end = path + raw.pathLen;
    if (end > at + size) return null;
    const common = {
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      ...outcome(raw.syscall, raw.result),
      path: v.buf.toString('utf8', path, end),
      pathUnresolved: (raw.flags & FileFlags.FILE_PATH_UNRESOLVED) !== 0,
      pathTruncated: (raw.flags & FileFlags.FILE_PATH_TRUNCATED) !== 0,
      dirfd: raw.dirfd | 0,
      atFlags: raw.atFlags,
    };
    if (op === Op.FILE_UNLINK) return { kind: 'file.unlink', ...common };
    if (op === Op.FILE_CHMOD) return { kind: 'file.chmod', ...common, mode: raw.mode, dev: raw.dev, ino: raw.ino };
    return {
      kind: 'file.chown',
      ...common,
      uid: signedId(raw.uid),
      gid: signedId(raw.gid),
      dev: raw.dev,
      ino: raw.ino,
    };
  }

  private fileRename(v: RecordView, at: number, size: number): FileRenameEvent | null {
    const raw = readFileRenameEvent(v, at);
    const oldPath = at + FILE_RENAME_EVENT_SIZE;
    const newPath = oldPath + raw.oldPathLen;
    const end = newPath + raw.newPathLen;
    if (end > at + size) return null;
    return {
      kind: 'file.rename',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      ...outcome(raw.syscall, raw.result),
      oldPath: v.buf.toString('utf8', oldPath, newPath),
      oldPathUnresolved: (raw.flags & FileFlags.FILE_PATH_UNRESOLVED) !== 0,
      oldPathTruncated: (raw.flags & FileFlags.FILE_PATH_TRUNCATED) !== 0,
      newPath: v.buf.toString('utf8', newPath, end),
      newPathUnresolved: (raw.flags & FileFlags.FILE_NEW_PATH_UNRESOLVED) !== 0,
      newPathTruncated: (raw.flags & FileFlags.FILE_NEW_PATH_TRUNCATED) !== 0,
      oldDirfd: raw.oldDirfd | 0,
      newDirfd: raw.newDirfd | 0,
      renameFlags: raw.renameFlags,
    };
  }

  private sock(op: number, v: RecordView, at: number): NetworkEvent {
    const raw = readSockEvent(v, at);
    const ipv6 = raw.family === AF_INET6;
    const format = ipv6 ? formatIpv6 : formatIpv4;
    const socket: SocketRef = {
      family: ipv6 ? 'ipv6' : 'ipv4',
      protocol: protocolName(raw.protocol),
      local: { address: format(v.buf, at + LOCAL_ADDR_OFFSET), port: raw.localPort },
      remote: { address: format(v.buf, at + REMOTE_ADDR_OFFSET), port: raw.remotePort },
    };
    const common = { origin: originAt(v, at), process: processAt(v, at, raw.comm), ...socket };
    switch (op) {
      case Op.NET_CLOSE:
        return {
          kind: 'network.close',
          ...common,
          ownerKnown: (raw.flags & NetFlags.NET_OWNER_UNKNOWN) === 0,
          oldState: tcpStateName(raw.oldState),
          bytesAcked: raw.bytesAcked,
          bytesReceived: raw.bytesReceived,
        };
      case Op.NET_CONNECT:
        return { kind: 'network.connect', ...common, ...outcome(raw.syscall, raw.result) };
      case Op.NET_ACCEPT:
        return { kind: 'network.accept', ...common, ...outcome(raw.syscall, raw.result) };
      case Op.NET_BIND:
        return { kind: 'network.bind', ...common, ...outcome(raw.syscall, raw.result) };
      case Op.NET_LISTEN:
        return { kind: 'network.listen', ...common, ...outcome(raw.syscall, raw.result), backlog: raw.backlog };
      default:
        return { kind: 'network.udp_send', ...common, ...outcome(raw.syscall, raw.result) };
    }
  }

  private credChange(v: RecordView, at: number): CredentialsChangeEvent {
    const raw = readCredChangeEvent(v, at);
    const argCount = CRED_ARG_COUNTS[raw.syscall] ?? 3;
    const args = [raw.arg0, raw.arg1, raw.arg2].slice(0, argCount).map(signedId);
    const groupCount = Math.min(raw.newCreds.ngroups, GROUPS_MAX);
    const groups: number[] = [];
    for (let i = 0; i < groupCount; i++) groups.push(v.u32[(at + GROUPS_OFFSET + 4 * i) >>> 2]!);
    const raisedBy = RAISES.filter(([bit]) => (raw.flags & bit) !== 0).map(([, name]) => name);
    return {
      kind: 'credentials.change',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      ...outcome(raw.syscall, raw.result),
      args,
      before: raw.oldCreds,
      after: raw.newCreds,
      groups,
      privilegeRaised: raisedBy.length > 0,
      raisedBy,
    };
  }

  private module(op: number, v: RecordView, at: number, size: number): ModuleLoadEvent | ModuleUnloadEvent | null {
    const raw = readModuleEvent(v, at);
    const common = {
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      ...outcome(raw.syscall, raw.result),
      name: raw.name,
    };
    if (op === Op.MODULE_UNLOAD) return { kind: 'module.unload', ...common, unloadFlags: raw.syscallFlags };
    const path = at + MODULE_EVENT_SIZE;
    const args = path + raw.pathLen;
    const end = args + raw.argsLen;
    if (end > at + size) return null;
    return {
      kind: 'module.load',
      ...common,
      path: v.buf.toString('utf8', path, args),
      args: v.buf.toString('utf8', args, end),
      fd: raw.fd | 0,
      loadFlags: raw.syscallFlags,
    };
  }

  private policy(v: RecordView, at: number, size: number): PolicyMatchEvent | null {
    const raw = readPolicyEvent(v, at);
    const path = at + POLICY_EVENT_SIZE;
    const end = path + raw.pathLen;
    if (end > at + size) return null;
    const event: PolicyMatchEvent = {
      kind: 'policy.match',
      origin: originAt(v, at),
      process: processAt(v, at, raw.comm),
      policy: raw.policy,
      policyId: raw.policyId,
      ruleIndex: raw.ruleIndex,
      selector: raw.selector,
      hook: raw.hook === PolicyHook.HOOK_TCP_CONNECT ? 'tcp_connect' : 'file_open',
      mechanism: POLICY_MECHANISMS[raw.mechanism] ?? 'syscall_exit',
      syscall: raw.syscall === Syscall.SYS_NONE ? '' : syscallName(raw.syscall),
      actions: POLICY_ACTIONS.filter(([bit]) => (raw.actions & bit) !== 0).map(([, name]) => name),
      killed: (raw.actions & PolicyAction.ACTION_SIGKILL) !== 0 && raw.signalResult === 0,
      signal: raw.signal | 0,
      signalResult: raw.signalResult | 0,
      error: raw.error | 0,
      result: raw.result | 0,
      creds: raw.creds,
      suppressed: raw.suppressed,
    };
    if (raw.hook === PolicyHook.HOOK_TCP_CONNECT) {
      const ipv6 = raw.family === AF_INET6;
      const format = ipv6 ? formatIpv6 : formatIpv4;
      event.connection = {
        family: ipv6 ? 'ipv6' : 'ipv4',
        local: { address: format(v.buf, at + POLICY_SADDR_OFFSET), port: raw.sport },
        remote: { address: format(v.buf, at + POLICY_DADDR_OFFSET), port: raw.dport },
      };
    } else {
      event.file = {
        path: v.buf.toString('utf8', path, end),
        pathTruncated: (raw.flags & PolicyEventFlags.POLICY_PATH_TRUNCATED) !== 0,
        dev: raw.dev,
        ino: raw.ino,
        openFlags: raw.openFlags,
      };
    }
    return event;
  }

  private bench(v: RecordView, at: number): BenchEvent {
    const raw = readBenchEvent(v, at);
    return {
      kind: 'ebpipe.bench',
      origin: originAt(v, at),
      process: processAt(v, at, ''),
      value: raw.value,
    };
  }
}
