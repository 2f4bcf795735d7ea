// The attributes of each event kind: the whole mapping from events to OpenTelemetry log
// attributes, as one table (MAPPING.md is rendered from it and a test keeps the two equal).
// Names are the semantic conventions' where one means the same thing (process.user.id is the
// effective uid there, process.executable.name the base name of the executable) and ebpipe.*
// otherwise; a test checks every other name against the semantic-conventions registry.
import type { Event, EventKind } from '../../events/model.js';
import type { SocketRef } from '../../events/network-events.js';
import type { ExecEvent } from '../../events/process-events.js';
import type { PathRef, ProcessRef, SyscallOutcome } from '../../events/references.js';
import type { CredIds } from '../../events/generated/abi.js';
import type { PolicyMatchEvent, PolicySummaryEvent } from '../../events/policy-events.js';
import { epochNs, isoTimeOfNs } from '../../events/clock.js';
import { attribute, flag, within, type AttributeField } from './attribute-field.js';
import type { LogAttributes } from './log-record.js';

type EventOf<K extends EventKind> = Extract<Event, { kind: K }>;

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const octal = (v: number): string => v.toString(8).padStart(4, '0');
const nonZero = (v: number): number | undefined => (v === 0 ? undefined : v);

// Binaries repeat on every event of a process: each base name is cut once.
const baseNames = new Map<string, string>();
function baseName(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let name = baseNames.get(path);
  if (name === undefined) {
    if (baseNames.size >= 4096) baseNames.clear();
    name = path.slice(path.lastIndexOf('/') + 1);
    baseNames.set(path, name);
  }
  return name;
}

/** Kubernetes controllers the semantic conventions name an attribute for (k8s.<kind>.name). */
const WORKLOAD_KINDS = new Set(['deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicaset']);

const ORIGIN: readonly AttributeField<Event>[] = [
  attribute(
    'ebpipe.seq',
    'int',
    "the record's per-CPU sequence number: a gap on one CPU is a loss",
    (e) => e.origin.seq,
  ),
  attribute('ebpipe.cpu', 'int', 'the CPU that emitted the record', (e) => e.origin.cpu),
  attribute(
    'ebpipe.boot_id',
    'string',
    'the boot of the host the record comes from (sequences restart with it)',
    (e) => e.origin.bootId,
  ),
];

const PROCESS: readonly AttributeField<ProcessRef>[] = [
  attribute('process.pid', 'int', 'the thread group id', (p) => p.pid),
  attribute('ebpipe.tid', 'int', 'the kernel task (thread) that acted', (p) => p.tid),
  attribute('ebpipe.comm', 'string', "the task's comm (16 bytes, settable by the process)", (p) => p.comm),
  attribute('process.executable.name', 'string', 'base name of the executable', (p) => baseName(p.binary)),
  attribute('process.executable.path', 'string', 'absolute path of the executable', (p) => p.binary),
  attribute(
    'process.command_args',
    'string[]',
    'argv as the process received it',
    (p) => p.argv as string[] | undefined,
  ),
  attribute('process.args_count', 'int', 'length of argv', (p) => p.argv?.length),
  attribute('process.working_directory', 'string', 'the working directory at exec', (p) => p.cwd),
  attribute('process.parent_pid', 'int', 'the parent when the image began', (p) => p.ppid),
  attribute('process.real_user.id', 'int', 'the real uid at exec', (p) => p.uid),
  attribute('process.real_user.name', 'string', "the real uid's passwd name", (p) => p.user),
  attribute('ebpipe.exec_id', 'string', 'this process image, unique on the host across pid reuse', (p) => p.execId),
  attribute(
    'ebpipe.parent_exec_id',
    'string',
    'the image this one came from (exec) or its parent (fork)',
    (p) => p.parentExecId,
  ),
  attribute('ebpipe.cgroup.path', 'string', 'the cgroup the process ran in at exec', (p) => p.cgroupPath),
  attribute('ebpipe.systemd.unit', 'string', 'the systemd unit of a process outside containers', (p) => p.systemdUnit),
  attribute('container.id', 'string', 'the container, from the cgroup path', (p) => p.containerId),
  attribute(
    'container.runtime.name',
    'string',
    'docker, containerd, cri-o, podman, lxc or cri',
    (p) => p.containerRuntime,
  ),
  attribute('k8s.pod.uid', 'string', 'the pod, from the cgroup path', (p) => p.pod?.uid),
  attribute('k8s.pod.name', 'string', 'the pod name (Kubernetes API)', (p) => p.pod?.name),
  attribute('k8s.namespace.name', 'string', "the pod's namespace", (p) => p.pod?.namespace),
  attribute('k8s.container.name', 'string', 'the container name in the pod spec', (p) => p.pod?.containerName),
  {
    name: 'k8s.pod.label.<key>',
    type: 'string',
    brief: "the pod's labels",
    put: (p, out) => {
      const labels = p.pod?.labels;
      if (labels) for (const key in labels) out[`k8s.pod.label.${key}`] = labels[key]!;
    },
  },
  {
    name: 'k8s.<workload>.name',
    type: 'string',
    brief:
      "the controller at the top of the pod's owner chain (deployment, statefulset, daemonset, job, cronjob, replicaset)",
    put: (p, out) => {
      const workload = p.pod?.workload;
      const kind = workload?.kind.toLowerCase();
      if (workload && kind && WORKLOAD_KINDS.has(kind)) out[`k8s.${kind}.name`] = workload.name;
    },
  },
];

const SYSCALL: readonly AttributeField<SyscallOutcome>[] = [
  attribute('ebpipe.syscall', 'string', 'the system call (openat, connect, setresuid, ...)', (s) => s.syscall),
  attribute('ebpipe.syscall.result', 'int', "the call's return value: -errno when it failed", (s) => s.result),
  attribute('error.type', 'string', 'the errno name when the call failed (ENOENT, EACCES, ...)', (s) => s.error),
];

const PATH: readonly AttributeField<PathRef>[] = [
  attribute(
    'file.path',
    'string',
    'absolute path, resolved by the kernel unless ebpipe.file.path_unresolved',
    (f) => f.path,
  ),
  flag(
    'ebpipe.file.path_unresolved',
    'the path is the name as typed, joined to its directory',
    (f) => f.pathUnresolved,
  ),
  flag('ebpipe.file.path_truncated', 'the path was longer than the kernel bound', (f) => f.pathTruncated),
];

const IDENTITY: readonly AttributeField<{ dev: number; ino: number }>[] = [
  attribute('file.inode', 'string', 'the inode of the file itself, whatever name reached it', (f) =>
    f.ino === 0 ? undefined : String(f.ino),
  ),
  attribute('ebpipe.file.device', 'int', "the file's device as stat(2)'s st_dev", (f) =>
    f.ino === 0 ? undefined : f.dev,
  ),
];

const DIRFD: AttributeField<{ dirfd: number }> = attribute(
  'ebpipe.file.dirfd',
  'int',
  'the directory fd the name is relative to; -100 is the working directory',
  (f) => f.dirfd,
);
const AT_FLAGS: AttributeField<{ atFlags: number }> = attribute('ebpipe.file.at_flags', 'int', 'AT_* flags', (f) =>
  nonZero(f.atFlags),
);

function socket(peer: boolean): AttributeField<SocketRef>[] {
  return [
    attribute('network.transport', 'string', 'tcp or udp', (s) => s.protocol),
    attribute('network.type', 'string', 'ipv4 or ipv6', (s) => s.family),
    attribute('network.local.address', 'string', 'local address', (s) => s.local.address),
    attribute('network.local.port', 'int', 'local port', (s) => s.local.port),
    ...(peer
      ? [
          attribute<SocketRef>('network.peer.address', 'string', 'peer address', (s) => s.remote.address),
          attribute<SocketRef>('network.peer.port', 'int', 'peer port', (s) => s.remote.port),
        ]
      : []),
  ];
}

const ANCESTRY: readonly AttributeField<ExecEvent>[] = [
  attribute('ebpipe.ancestors.exec_ids', 'string[]', 'the images this one came from, nearest first', (e) =>
    e.process.ancestors?.map((a) => a.execId),
  ),
  attribute('ebpipe.ancestors.pids', 'int[]', 'their pids', (e) => e.process.ancestors?.map((a) => a.pid)),
  attribute('ebpipe.ancestors.binaries', 'string[]', "their executables ('' when unknown)", (e) =>
    e.process.ancestors?.map((a) => a.binary),
  ),
];

const NAMESPACES = (['mnt', 'pid', 'net', 'uts', 'ipc', 'user', 'cgroup'] as const).map((ns) =>
  attribute<ExecEvent>(`ebpipe.namespace.${ns}`, 'int', `the ${ns} namespace's inode`, (e) => e.namespaces[ns]),
);

function credIds(when: 'before' | 'after', get: (e: EventOf<'credentials.change'>) => CredIds) {
  const ids = ['uid', 'euid', 'suid', 'fsuid', 'gid', 'egid', 'sgid', 'fsgid', 'ngroups'] as const;
  const caps = [
    ['capEffective', 'cap_effective'],
    ['capPermitted', 'cap_permitted'],
    ['capInheritable', 'cap_inheritable'],
    ['capAmbient', 'cap_ambient'],
  ] as const;
  return [
    ...ids.map((id) =>
      attribute<EventOf<'credentials.change'>>(
        `ebpipe.credentials.${when}.${id}`,
        'int',
        `${id} ${when} the call`,
        (e) => get(e)[id],
      ),
    ),
    ...caps.map(([field, name]) =>
      attribute<EventOf<'credentials.change'>>(
        `ebpipe.credentials.${when}.${name}`,
        'string',
        `${name.slice(4)} capabilities ${when} the call, hex`,
        (e) => hex(get(e)[field]),
      ),
    ),
  ];
}

const POLICY_FILE = within<PolicyMatchEvent, NonNullable<PolicyMatchEvent['file']>>(
  (e) => e.file,
  [
    attribute('file.path', 'string', 'the file the policy matched, resolved by the kernel', (f) => f.path),
    flag('ebpipe.file.path_truncated', 'the path was longer than the kernel bound', (f) => f.pathTruncated),
    ...IDENTITY,
    attribute('ebpipe.file.open_flags', 'int', 'O_* flags as passed', (f) => f.openFlags),
  ],
);

const POLICY_CONNECTION = within<PolicyMatchEvent, NonNullable<PolicyMatchEvent['connection']>>(
  (e) => e.connection,
  [
    attribute('network.type', 'string', 'ipv4 or ipv6', (c) => c.family),
    attribute('network.local.address', 'string', 'local address', (c) => c.local.address),
    attribute('network.local.port', 'int', 'local port (0 before the kernel chose one)', (c) => nonZero(c.local.port)),
    attribute('network.peer.address', 'string', 'peer address', (c) => c.remote.address),
    attribute('network.peer.port', 'int', 'peer port', (c) => c.remote.port),
  ],
);

const kernelTime = (e: Event, ktime: number): string => isoTimeOfNs(epochNs({ ...e.origin, ktime }));

const POLICY_SUMMARY_KEY = within<PolicySummaryEvent, PolicySummaryEvent['key']>(
  (e) => e.key,
  [
    attribute('ebpipe.policy.key.binary', 'string', "the aggregation key's binary", (k) => k.binary),
    attribute('ebpipe.policy.key.path_prefix', 'string', "the aggregation key's path prefix", (k) => k.pathPrefix),
    attribute('ebpipe.policy.key.dport', 'int', "the aggregation key's destination port", (k) => k.dport),
    attribute('ebpipe.policy.key.daddr', 'string', "the aggregation key's destination address", (k) => k.daddr),
    attribute('ebpipe.policy.key.uid', 'int', "the aggregation key's uid", (k) => k.uid),
  ],
);

/** What each kind adds to the origin and process attributes; a name given here replaces theirs. */
const BY_KIND: { readonly [K in EventKind]: readonly AttributeField<EventOf<K>>[] } = {
  'process.exec': [
    attribute(
      'process.executable.path',
      'string',
      'the executed file, resolved (as typed when unresolvable)',
      (e) => e.binary,
    ),
    attribute('process.executable.name', 'string', 'base name of the executed file', (e) => baseName(e.binary)),
    attribute('process.command_args', 'string[]', 'argv', (e) => e.argv),
    attribute('process.args_count', 'int', 'length of argv', (e) => e.argv.length),
    attribute('process.working_directory', 'string', 'the working directory', (e) => e.cwd),
    attribute('process.parent_pid', 'int', 'the parent (real_parent)', (e) => e.parent.pid),
    attribute('process.user.id', 'int', 'the effective uid', (e) => e.creds.euid),
    attribute('process.real_user.id', 'int', 'the real uid', (e) => e.creds.uid),
    attribute('ebpipe.process.gid', 'int', 'the real gid', (e) => e.creds.gid),
    attribute('ebpipe.process.egid', 'int', 'the effective gid', (e) => e.creds.egid),
    attribute('ebpipe.capabilities.effective', 'string', 'effective capabilities, hex', (e) =>
      hex(e.creds.capEffective),
    ),
    attribute('ebpipe.capabilities.permitted', 'string', 'permitted capabilities, hex', (e) =>
      hex(e.creds.capPermitted),
    ),
    attribute('ebpipe.cgroup.id', 'int', "the cgroup's id (its inode)", (e) => e.cgroupId),
    ...NAMESPACES,
    ...ANCESTRY,
    flag(
      'ebpipe.argv_truncated',
      'argv was longer than the kernel bound; the last element may be cut',
      (e) => e.argvTruncated,
    ),
    flag('ebpipe.binary_truncated', 'the executable path was longer than the kernel bound', (e) => e.binaryTruncated),
    flag('ebpipe.binary_unresolved', 'the executable path is as typed', (e) => e.binaryUnresolved),
    flag('ebpipe.cwd_truncated', 'the working directory was longer than the kernel bound', (e) => e.cwdTruncated),
  ],
  'process.exit': [
    attribute('process.exit.code', 'int', 'exit(2) code, when the process exited rather than being killed', (e) =>
      e.signal === 0 ? e.exitCode : undefined,
    ),
    attribute('ebpipe.exit.signal', 'int', 'the signal that killed it', (e) => nonZero(e.signal)),
    flag('ebpipe.exit.core_dumped', 'it dumped core', (e) => e.coreDumped),
  ],
  'process.fork': [attribute('process.parent_pid', 'int', 'the parent', (e) => e.parent.pid)],
  'file.open': [
    ...SYSCALL,
    ...PATH,
    ...IDENTITY,
    attribute('ebpipe.file.open_flags', 'int', 'O_* flags as passed', (e) => e.openFlags),
    attribute('ebpipe.file.create_mode', 'string', 'the creation mode asked for (O_CREAT, O_TMPFILE), octal', (e) =>
      e.mode === 0 ? undefined : octal(e.mode),
    ),
    attribute('ebpipe.file.resolve_flags', 'int', "openat2's RESOLVE_* flags", (e) => nonZero(e.resolve)),
    DIRFD,
    flag('ebpipe.file.from_lsm', 'the file was taken at lsm/file_open', (e) => e.fromLsm),
  ],
  'file.unlink': [...SYSCALL, ...PATH, DIRFD, AT_FLAGS],
  'file.chmod': [
    ...SYSCALL,
    ...PATH,
    ...IDENTITY,
    DIRFD,
    AT_FLAGS,
    attribute('ebpipe.file.requested_mode', 'string', 'the mode asked for, octal', (e) => octal(e.mode)),
  ],
  'file.chown': [
    ...SYSCALL,
    ...PATH,
    ...IDENTITY,
    DIRFD,
    AT_FLAGS,
    attribute('ebpipe.file.requested_owner.id', 'int', 'the owner asked for; -1 leaves it', (e) => e.uid),
    attribute('ebpipe.file.requested_group.id', 'int', 'the group asked for; -1 leaves it', (e) => e.gid),
  ],
  'file.rename': [
    ...SYSCALL,
    attribute('file.path', 'string', 'the new name, joined to its directory', (e) => e.newPath),
    attribute('ebpipe.file.old_path', 'string', 'the old name, joined to its directory', (e) => e.oldPath),
    flag('ebpipe.file.path_unresolved', 'the new name is as typed', (e) => e.newPathUnresolved),
    flag('ebpipe.file.path_truncated', 'the new name was longer than the kernel bound', (e) => e.newPathTruncated),
    flag('ebpipe.file.old_path_unresolved', 'the old name is as typed', (e) => e.oldPathUnresolved),
    flag('ebpipe.file.old_path_truncated', 'the old name was longer than the kernel bound', (e) => e.oldPathTruncated),
    attribute('ebpipe.file.old_dirfd', 'int', 'the old name is relative to it', (e) => e.oldDirfd),
    attribute('ebpipe.file.new_dirfd', 'int', 'the new name is relative to it', (e) => e.newDirfd),
    attribute('ebpipe.file.rename_flags', 'int', "renameat2's RENAME_* flags", (e) => nonZero(e.renameFlags)),
  ],
  'network.connect': [...SYSCALL, ...socket(true)],
  'network.accept': [...SYSCALL, ...socket(true)],
  'network.close': [
    ...socket(true),
    attribute(
      'ebpipe.network.previous_state',
      'string',
      'the TCP state it left (ESTABLISHED: a reset, SYN_SENT: a failed connect)',
      (e) => e.oldState,
    ),
    attribute('ebpipe.network.bytes_acked', 'int', 'bytes the peer acknowledged', (e) => e.bytesAcked),
    attribute('ebpipe.network.bytes_received', 'int', 'bytes received', (e) => e.bytesReceived),
    flag(
      'ebpipe.network.owner_unknown',
      'the socket was made before the sensor started; process is pid 0',
      (e) => !e.ownerKnown,
    ),
  ],
  'network.bind': [...SYSCALL, ...socket(false)],
  'network.listen': [
    ...SYSCALL,
    ...socket(false),
    attribute('ebpipe.network.backlog', 'int', "listen(2)'s backlog", (e) => e.backlog),
  ],
  'network.udp_send': [...SYSCALL, ...socket(true)],
  'credentials.change': [
    ...SYSCALL,
    attribute('process.user.id', 'int', 'the effective uid after the call', (e) => e.after.euid),
    attribute('process.real_user.id', 'int', 'the real uid after the call', (e) => e.after.uid),
    attribute('process.saved_user.id', 'int', 'the saved uid after the call', (e) => e.after.suid),
    attribute('ebpipe.credentials.args', 'int[]', 'the ids passed, in order (-1: unchanged)', (e) => e.args),
    ...credIds('before', (e) => e.before),
    ...credIds('after', (e) => e.after),
    attribute('ebpipe.credentials.groups', 'int[]', 'the first supplementary groups after the call', (e) => e.groups),
    flag('ebpipe.credentials.privilege_raised', 'the call raised privilege', (e) => e.privilegeRaised),
    attribute(
      'ebpipe.credentials.raised_by',
      'string[]',
      'how: uid_to_root, gid_to_root, caps_gained, root_group_gained',
      (e) => e.raisedBy,
    ),
  ],
  'module.load': [
    ...SYSCALL,
    attribute('ebpipe.module.name', 'string', "the module's name, once the kernel read it", (e) => e.name),
    attribute('file.path', 'string', "finit_module's file", (e) => e.path),
    attribute('ebpipe.module.args', 'string', 'the parameter string', (e) => e.args),
    attribute('ebpipe.module.fd', 'int', "finit_module's fd", (e) => (e.fd < 0 ? undefined : e.fd)),
    attribute('ebpipe.module.load_flags', 'int', "finit_module's MODULE_INIT_* flags", (e) => nonZero(e.loadFlags)),
  ],
  'module.unload': [
    ...SYSCALL,
    attribute('ebpipe.module.name', 'string', 'the module', (e) => e.name),
    attribute('ebpipe.module.unload_flags', 'int', 'O_NONBLOCK / O_TRUNC as passed', (e) => nonZero(e.unloadFlags)),
  ],
  'policy.match': [
    attribute('ebpipe.policy.name', 'string', 'metadata.name of the policy', (e) => e.policy),
    attribute('ebpipe.policy.id', 'int', "the policy's id in this agent run", (e) => e.policyId),
    attribute('ebpipe.policy.rule_index', 'int', 'the hook entry of the policy', (e) => e.ruleIndex),
    attribute('ebpipe.policy.selector', 'int', 'the selector that matched', (e) => e.selector),
    attribute('ebpipe.policy.hook', 'string', 'the kernel hook: file_open, tcp_connect', (e) => e.hook),
    attribute('ebpipe.policy.mechanism', 'string', 'syscall_exit, lsm or tp_btf', (e) => e.mechanism),
    attribute(
      'ebpipe.policy.actions',
      'string[]',
      'what was done: post, sigkill, signal, override, rate_limit',
      (e) => e.actions,
    ),
    flag('ebpipe.policy.killed', 'SIGKILL was sent and the kernel accepted it', (e) => e.killed),
    attribute('ebpipe.policy.signal', 'int', 'the signal sent', (e) => nonZero(e.signal)),
    attribute('ebpipe.policy.signal_result', 'int', "bpf_send_signal's 0 or -errno", (e) =>
      e.signal === 0 ? undefined : e.signalResult,
    ),
    attribute('ebpipe.policy.override_errno', 'int', 'Override: the -errno the operation failed with', (e) =>
      nonZero(e.error),
    ),
    attribute('ebpipe.syscall', 'string', 'the system call, when the hook knows it', (e) => e.syscall),
    attribute('ebpipe.syscall.result', 'int', "the call's result at its exit", (e) => e.result),
    attribute('ebpipe.policy.suppressed', 'int', 'rate-limited matches held back since the previous event', (e) =>
      nonZero(e.suppressed),
    ),
    attribute('process.user.id', 'int', 'the effective uid', (e) => e.creds.euid),
    attribute('process.real_user.id', 'int', 'the real uid', (e) => e.creds.uid),
    ...POLICY_FILE,
    ...POLICY_CONNECTION,
    attribute('network.transport', 'string', 'tcp (the tcp_connect hook)', (e) => (e.connection ? 'tcp' : undefined)),
  ],
  'policy.summary': [
    attribute('ebpipe.policy.name', 'string', 'metadata.name of the policy', (e) => e.policy),
    attribute('ebpipe.policy.rule_index', 'int', 'the hook entry of the policy', (e) => e.ruleIndex),
    attribute('ebpipe.policy.selector', 'int', 'the selector that matched', (e) => e.selector),
    ...POLICY_SUMMARY_KEY,
    attribute('ebpipe.policy.count', 'int', 'matches folded into this summary', (e) => e.count),
    attribute('ebpipe.policy.first_time', 'string', 'the first match of the window, RFC 3339', (e) =>
      kernelTime(e, e.firstKtime),
    ),
    attribute('ebpipe.policy.last_time', 'string', 'the last match of the window, RFC 3339', (e) =>
      kernelTime(e, e.lastKtime),
    ),
    attribute('ebpipe.policy.window_ms', 'int', 'the aggregation window', (e) => e.windowMs),
  ],
  'policy.audit': [
    attribute('ebpipe.policy.name', 'string', 'metadata.name of the policy', (e) => e.policy),
    attribute('ebpipe.policy.audit.action', 'string', 'add, replace or delete', (e) => e.action),
    attribute('ebpipe.policy.audit.result', 'string', 'applied or rejected (the old policy stays)', (e) => e.result),
    attribute('ebpipe.policy.audit.via', 'string', 'cli, watch (the policy directory) or startup', (e) => e.via),
    attribute('ebpipe.policy.audit.reason', 'string', 'why it was rejected, one problem per line', (e) => e.reason),
    attribute('ebpipe.policy.file', 'string', 'the policy file', (e) => e.file),
    attribute('ebpipe.policy.sha256', 'string', "sha256 of the file's bytes", (e) => e.sha256),
  ],
  'ebpipe.bench': [attribute('ebpipe.bench.value', 'int', 'the benchmark counter', (e) => e.value)],
};

const COMMON: readonly AttributeField<Event>[] = [...ORIGIN, ...within((e: Event) => e.process, PROCESS)];

/** Every field of a kind, in order: the common ones it does not replace, then its own. */
function fieldsOf<K extends EventKind>(kind: K): readonly AttributeField<Event>[] {
  const own = BY_KIND[kind] as readonly AttributeField<Event>[];
  const replaced = new Set(own.map((f) => f.name));
  return [...COMMON.filter((f) => !replaced.has(f.name)), ...own];
}

export const EVENT_KINDS = Object.keys(BY_KIND) as EventKind[];

export const ATTRIBUTES_BY_KIND: ReadonlyMap<EventKind, readonly AttributeField<Event>[]> = new Map(
  EVENT_KINDS.map((kind) => [kind, fieldsOf(kind)]),
);

export function eventAttributes(event: Event): LogAttributes {
  const out: LogAttributes = {};
  for (const field of ATTRIBUTES_BY_KIND.get(event.kind)!) field.put(event, out);
  return out;
}
