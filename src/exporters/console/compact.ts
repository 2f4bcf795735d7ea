// One short line per event, for people watching a terminal: an emoji per kind, the pid,
// the binary (with its arguments for execs and exits), then what the event is about:
// paths, addresses, credentials, modules, and the error of a failed call.
import { constants } from 'node:os';
import type { CredIds } from '../../events/generated/abi.js';
import type { Event } from '../../events/model.js';
import type { ProcessRef, SocketAddress, SyscallOutcome } from '../../events/references.js';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** Shell-style quoting, so that "c d" and '' read back as the arguments they were. */
export function quoteArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function commandLine(process: ProcessRef, binary: string | undefined, argv: readonly string[] | undefined): string {
  const shown = binary ?? `[${process.comm}]`;
  const args = argv && argv.length > 1 ? ` ${argv.slice(1).map(quoteArg).join(' ')}` : '';
  return `${shown}${args}`;
}

/** The binary when the process cache knows it, else the kernel's comm. */
function actor(process: ProcessRef): string {
  return `${process.pid} ${process.binary ?? `[${process.comm}]`}`;
}

function failure(o: SyscallOutcome): string {
  return o.error ? ` ${o.error}` : '';
}

const O_ACCMODE = 3;
const OPEN_FLAG_NAMES: readonly [number, string][] = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o200000, 'O_DIRECTORY'],
  [0o10000000, 'O_PATH'],
  [0o20000000 | 0o200000, 'O_TMPFILE'],
];

function openFlags(flags: number): string {
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & O_ACCMODE]];
  for (const [bit, name] of OPEN_FLAG_NAMES) if ((flags & bit) === bit) names.push(name);
  return names.join('|');
}

function endpoint(a: SocketAddress): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

function asTyped(unresolved: boolean): string {
  return unresolved ? ' (as typed)' : '';
}

/** The ids a credentials call changed, as `euid 1000→0`. */
function credChanges(before: CredIds, after: CredIds): string {
  const fields = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid'] as const;
  const changes = fields.filter((f) => before[f] !== after[f]).map((f) => `${f} ${before[f]}→${after[f]}`);
  if (before.capEffective !== after.capEffective) {
    changes.push(`caps 0x${before.capEffective.toString(16)}→0x${after.capEffective.toString(16)}`);
  }
  if (before.ngroups !== after.ngroups) changes.push(`groups ${before.ngroups}→${after.ngroups}`);
  return changes.length > 0 ? ` ${changes.join(' ')}` : ' unchanged';
}

export function formatCompact(event: Event): string | null {
  const p = event.process;
  switch (event.kind) {
    case 'process.exec':
      return `🚀 exec  ${p.pid} ${commandLine(p, event.binary, event.argv)}${event.argvTruncated ? ' …' : ''}`;
    case 'process.exit': {
      const status = event.signal
        ? (SIGNAL_NAMES.get(event.signal) ?? `signal ${event.signal}`)
        : String(event.exitCode);
      return `💥 exit  ${p.pid} ${commandLine(p, p.binary, p.argv)} ${status}`;
    }
    case 'file.open':
      return `📂 open   ${actor(p)} ${event.path}${asTyped(event.pathUnresolved)} ${openFlags(event.openFlags)}${failure(event)}`;
    case 'file.unlink':
      return `🗑️ unlink ${actor(p)} ${event.path}${failure(event)}`;
    case 'file.rename':
      return `✏️ rename ${actor(p)} ${event.oldPath} → ${event.newPath}${failure(event)}`;
    case 'file.chmod':
      return `🔏 chmod  ${actor(p)} ${event.path}${asTyped(event.pathUnresolved)} 0${event.mode.toString(8)}${failure(event)}`;
    case 'file.chown':
      return `👥 chown  ${actor(p)} ${event.path}${asTyped(event.pathUnresolved)} ${event.uid}:${event.gid}${failure(event)}`;
    case 'network.connect':
      return `🔌 connect ${actor(p)} ${event.protocol} ${endpoint(event.local)} → ${endpoint(event.remote)}${failure(event)}`;
    case 'network.accept':
      return `📥 accept ${actor(p)} ${event.protocol} ${endpoint(event.local)} ← ${endpoint(event.remote)}`;
    case 'network.close':
      return (
        `🧹 close  ${event.ownerKnown ? actor(p) : '? [owner unknown]'} ${event.protocol} ${endpoint(event.local)} ↔ ` +
        `${endpoint(event.remote)} from ${event.oldState} sent ${event.bytesAcked} received ${event.bytesReceived}`
      );
    case 'network.bind':
      return `📌 bind   ${actor(p)} ${event.protocol} ${endpoint(event.local)}${failure(event)}`;
    case 'network.listen':
      return `👂 listen ${actor(p)} ${event.protocol} ${endpoint(event.local)}${failure(event)}`;
    case 'network.udp_send':
      return `📤 send   ${actor(p)} ${event.protocol} ${endpoint(event.local)} → ${endpoint(event.remote)}${failure(event)}`;
    case 'credentials.change': {
      const raised = event.privilegeRaised ? ` ⚠️ privilege raised (${event.raisedBy.join(', ')})` : '';
      return `🔑 ${event.syscall} ${actor(p)}${credChanges(event.before, event.after)}${failure(event)}${raised}`;
    }
    case 'module.load':
      return `📦 module load ${actor(p)} ${event.name || event.path || '?'}${failure(event)}`;
    case 'module.unload':
      return `📦 module unload ${actor(p)} ${event.name}${failure(event)}`;
    case 'policy.match': {
      const subject = event.file ? event.file.path : event.connection ? endpoint(event.connection.remote) : '';
      const verdict = event.killed ? ' killed' : event.error ? ` refused (${-event.error})` : '';
      const held = event.suppressed ? ` (+${event.suppressed} rate-limited)` : '';
      return `🛡️ policy ${event.policy} ${actor(p)} ${subject}${verdict}${held}`;
    }
    case 'policy.summary':
      return `🧮 policy ${event.policy} ${event.count}× ${JSON.stringify(event.key)} in ${event.windowMs / 1000}s`;
    case 'policy.audit':
      return `📜 policy ${event.action} ${event.policy} ${event.result} (${event.file}) by ${p.user ?? `uid ${p.uid ?? '?'}`}${event.reason ? `: ${event.reason}` : ''}`;
    case 'process.fork':
    case 'ebpipe.bench':
      return null;
  }
}
