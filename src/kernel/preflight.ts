// Checks, before anything is loaded, that this host can run the kernel side, and
// mounts the pseudo-filesystems that are merely missing. Every problem found is
// named with how to fix it, all at once.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EbpipeError } from '../common/errors.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export class PreflightError extends EbpipeError {
  override readonly name = 'PreflightError';
  constructor(readonly problems: readonly string[]) {
    super(
      'PREFLIGHT_FAILED',
      'opening',
      `this host cannot run ebpipe's kernel sensors:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

export interface PreflightReport {
  /** Filesystems this check mounted. */
  mounted: string[];
}

interface PseudoFs {
  type: string;
  target: string;
  /** A path that exists only when the filesystem is mounted. */
  probe: string;
  why: string;
}

const PSEUDO_FILESYSTEMS: readonly PseudoFs[] = [
  { type: 'tracefs', target: '/sys/kernel/tracing', probe: '/sys/kernel/tracing/events', why: 'tracepoint ids' },
  { type: 'bpf', target: '/sys/fs/bpf', probe: '', why: 'pinning policy maps' },
];

function effectiveCapabilities(): bigint {
  const status = readFileSync('/proc/self/status', 'utf8');
  const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return line ? BigInt(`0x${line[1]}`) : 0n;
}

function has(caps: bigint, cap: bigint): boolean {
  return ((caps >> cap) & 1n) === 1n;
}

function isMounted(target: string, type: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => {
      const [, mountPoint, fsType] = line.split(' ');
      return mountPoint === target && fsType === type;
    });
}

function tryMount(fs: PseudoFs): string | null {
  try {
    execFileSync('mount', ['-t', fs.type, fs.type, fs.target], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (err as Error).message;
  }
}

export function preflight(): PreflightReport {
  const problems: string[] = [];
  const mounted: string[] = [];
  const caps = effectiveCapabilities();
  const privileged = has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON));
  if (!privileged) {
    problems.push(
      'missing privileges: loading BPF programs needs root, or CAP_BPF and CAP_PERFMON ' +
        '(run with sudo, or: setcap cap_bpf,cap_perfmon,cap_sys_resource+ep $(command -v node))',
    );
  }
  if (!existsSync('/sys/kernel/btf/vmlinux')) {
    problems.push(
      'missing kernel BTF: /sys/kernel/btf/vmlinux does not exist; ebpipe needs a kernel built with ' +
        'CONFIG_DEBUG_INFO_BTF=y (most distributions since 2020 ship one)',
    );
  }
  for (const fs of PSEUDO_FILESYSTEMS) {
    if (isMounted(fs.target, fs.type) || (fs.probe && existsSync(fs.probe))) continue;
    const failure = privileged ? tryMount(fs) : 'not attempted without privileges';
    if (failure === null) mounted.push(fs.target);
    else {
      problems.push(
        `${fs.type} is not mounted at ${fs.target} (needed for ${fs.why}) and mounting it failed: ${failure}; ` +
          `fix: mount -t ${fs.type} ${fs.type} ${fs.target}`,
      );
    }
  }
  if (problems.length > 0) throw new PreflightError(problems);
  return { mounted };
}
