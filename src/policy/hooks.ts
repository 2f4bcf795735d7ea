// Which TracingPolicy hooks ebpipe honours, and how: a Tetragon policy names kernel functions
// (security_file_open, fd_install, sys_openat, tcp_connect), LSM hooks or tracepoints; this
// table maps each onto the kernel hook of bpf/policy.bpf.c that has the same meaning, the
// system calls it covers and its arguments. A name not in the table cannot be honoured: it is
// an error when the policy is loaded, never a policy that silently does nothing.
import { PolicyArg, PolicyHook, Syscall } from '../events/generated/abi.js';

/** The policy sensor's variant this kernel allowed (src/kernel/sensors.ts). */
export type PolicyVariant = 'lsm' | 'tracepoint';

/** What an argument of a hook is, to the kernel side. */
export type ArgRole = 'file' | 'sock' | 'int';

export interface HookArg {
  role: ArgRole;
  /** Types a policy may declare the argument with (`args[].type`). */
  types: readonly string[];
  /** For int arguments: which one the kernel knows it as. */
  slot?: number;
}

export interface HookSpec {
  /** How the policy names the hook, for messages and `policy list`. */
  title: string;
  /** enum ebpipe_policy_hook */
  kernelHook: number;
  /** 1 << enum ebpipe_syscall of the calls it covers. */
  syscalls: bigint;
  args: ReadonlyMap<number, HookArg>;
  /** Whether the hook can refuse the operation (Override) when the lsm variant catches it. */
  overridable: boolean;
  /** kprobes: the `syscall:` flag Tetragon needs for this call. */
  isSyscall: boolean;
  /** Said in the load log: how this hook's reach differs from what its name may suggest. */
  note?: string;
}

const FILE_TYPES = ['file', 'path'] as const;
const STRING_TYPES = ['string', 'filename'] as const;
const INT_TYPES = ['int', 'int32', 'uint32', 'int64', 'uint64', 'long', 'size_t', 'fd'] as const;

const bit = (syscall: number): bigint => 1n << BigInt(syscall);
const OPEN_FAMILY = bit(Syscall.SYS_OPEN) | bit(Syscall.SYS_OPENAT) | bit(Syscall.SYS_OPENAT2) | bit(Syscall.SYS_CREAT);
/** Bit 0 (EBPIPE_SYS_NONE): opens from anywhere else (exec, the kernel), seen only at lsm/file_open. */
const EVERY_OPEN = OPEN_FAMILY | bit(Syscall.SYS_NONE);
const ANY = (1n << 64n) - 1n;

const file = (): HookArg => ({ role: 'file', types: FILE_TYPES });
/** A system call's file name: matched against the file it opened, not as typed. */
const name = (): HookArg => ({ role: 'file', types: STRING_TYPES });
const int = (slot: number): HookArg => ({ role: 'int', types: INT_TYPES, slot });

const SECURITY_FILE_OPEN: Omit<HookSpec, 'title'> = {
  kernelHook: PolicyHook.HOOK_FILE_OPEN,
  syscalls: EVERY_OPEN,
  args: new Map([[0, file()]]),
  overridable: true,
  isSyscall: false,
};

function openSyscall(syscall: number, args: [number, HookArg][], which: string): Omit<HookSpec, 'title'> {
  return {
    kernelHook: PolicyHook.HOOK_FILE_OPEN,
    syscalls: bit(syscall),
    args: new Map(args),
    overridable: true,
    isSyscall: true,
    note: `covers ${which}(2) only: open, openat, openat2 and creat each open files; security_file_open covers them all`,
  };
}

const SYS_OPEN = openSyscall(
  Syscall.SYS_OPEN,
  [
    [0, name()],
    [1, int(PolicyArg.ARG_FLAGS)],
    [2, int(PolicyArg.ARG_MODE)],
  ],
  'open',
);
const SYS_OPENAT = openSyscall(
  Syscall.SYS_OPENAT,
  [
    [0, int(PolicyArg.ARG_DIRFD)],
    [1, name()],
    [2, int(PolicyArg.ARG_FLAGS)],
    [3, int(PolicyArg.ARG_MODE)],
  ],
  'openat',
);
const SYS_OPENAT2 = openSyscall(
  Syscall.SYS_OPENAT2,
  [
    [0, int(PolicyArg.ARG_DIRFD)],
    [1, name()],
  ],
  'openat2',
);
const SYS_CREAT = openSyscall(
  Syscall.SYS_CREAT,
  [
    [0, name()],
    [1, int(PolicyArg.ARG_MODE)],
  ],
  'creat',
);

const KPROBES: ReadonlyMap<string, Omit<HookSpec, 'title'>> = new Map([
  ['security_file_open', SECURITY_FILE_OPEN],
  [
    'fd_install',
    {
      kernelHook: PolicyHook.HOOK_FILE_OPEN,
      syscalls: OPEN_FAMILY,
      args: new Map([
        [0, int(PolicyArg.ARG_FD)],
        [1, file()],
      ]),
      // fd_install cannot fail: Tetragon cannot override it either.
      overridable: false,
      isSyscall: false,
      note: 'covers the fds open, openat, openat2 and creat install (not dup, accept or SCM_RIGHTS)',
    },
  ],
  ['sys_open', SYS_OPEN],
  ['sys_openat', SYS_OPENAT],
  ['sys_openat2', SYS_OPENAT2],
  ['sys_creat', SYS_CREAT],
  [
    'tcp_connect',
    {
      kernelHook: PolicyHook.HOOK_TCP_CONNECT,
      syscalls: ANY,
      args: new Map([[0, { role: 'sock', types: ['sock'] }]]),
      overridable: false,
      isSyscall: false,
    },
  ],
]);

const LSM_HOOKS: ReadonlyMap<string, Omit<HookSpec, 'title'>> = new Map([['file_open', SECURITY_FILE_OPEN]]);

/** Tetragon numbers a tracepoint's arguments by its format's fields: 4 common ones, __syscall_nr, then the call's. */
function enterTracepoint(spec: Omit<HookSpec, 'title'>): Omit<HookSpec, 'title'> {
  return { ...spec, isSyscall: false, args: new Map([...spec.args].map(([index, arg]) => [index + 5, arg])) };
}

const TRACEPOINTS: ReadonlyMap<string, Omit<HookSpec, 'title'>> = new Map([
  ['syscalls/sys_enter_open', enterTracepoint(SYS_OPEN)],
  ['syscalls/sys_enter_openat', enterTracepoint(SYS_OPENAT)],
  ['syscalls/sys_enter_openat2', enterTracepoint(SYS_OPENAT2)],
  ['syscalls/sys_enter_creat', enterTracepoint(SYS_CREAT)],
]);

/** Tetragon adds the architecture's prefix to syscall names; a policy may also write it. */
const ARCH_PREFIX = /^__x64_/;

export function kprobeHook(call: string): HookSpec | undefined {
  const spec = KPROBES.get(call.replace(ARCH_PREFIX, ''));
  return spec && { title: `kprobe ${call}`, ...spec };
}

export function lsmHook(hook: string): HookSpec | undefined {
  const spec = LSM_HOOKS.get(hook);
  return spec && { title: `lsm hook ${hook}`, ...spec };
}

export function tracepointHook(subsystem: string, event: string): HookSpec | undefined {
  const spec = TRACEPOINTS.get(`${subsystem}/${event}`);
  return spec && { title: `tracepoint ${subsystem}/${event}`, ...spec };
}

export const SUPPORTED_KPROBES: readonly string[] = [...KPROBES.keys()];
export const SUPPORTED_LSM_HOOKS: readonly string[] = [...LSM_HOOKS.keys()];
export const SUPPORTED_TRACEPOINTS: readonly string[] = [...TRACEPOINTS.keys()];

/** The kernel mechanism a hook gets with this variant of the policy sensor, as the load log says it. */
export function mechanismOf(kernelHook: number, variant: PolicyVariant): string {
  if (kernelHook === PolicyHook.HOOK_TCP_CONNECT) return 'tp_btf/inet_sock_set_state (SYN_SENT)';
  return variant === 'lsm' ? 'lsm/file_open' : 'tracepoint syscalls/sys_exit_{open,openat,openat2,creat}';
}

/** Why Override cannot be honoured for this hook here; null when it can. */
export function overrideUnavailable(spec: HookSpec, variant: PolicyVariant): string | null {
  if (!spec.overridable) return `${spec.title} cannot refuse the operation`;
  if (variant !== 'lsm') {
    return (
      'this kernel allows no BPF LSM programs, so the open is caught at its syscall exit, after it happened: ' +
      'use Sigkill (the process dies before it can use the file), or boot with lsm=...,bpf'
    );
  }
  return null;
}
