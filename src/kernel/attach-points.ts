// What this kernel offers a program, judged from its section name before anything is
// loaded: whether the tracepoint it attaches to exists (kernels differ: fchmodat2 is 6.6+,
// a kernel without module support has no module tracepoints), and whether its kind of
// hook can work at all here (BPF LSM programs need "bpf" among the active LSMs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KernelFeatures {
  /**
   * The attach point a program of this section names when this kernel lacks it, e.g.
   * `tracepoint syscalls/sys_enter_init_module`; null when it exists or only loading can tell.
   */
  missingAttachPoint(section: string): string | null;
  /** Why programs of this kind cannot run on this kernel at all; null when they may. */
  hookUnavailable(section: string): string | null;
}

export interface KernelFeaturePaths {
  /** tracefs mount point (preflight mounts it when missing). */
  tracefs: string;
  /** Comma-separated list of active LSMs. */
  lsmList: string;
}

const HOST_PATHS: KernelFeaturePaths = { tracefs: '/sys/kernel/tracing', lsmList: '/sys/kernel/security/lsm' };

/** tp/CATEGORY/NAME and tracepoint/CATEGORY/NAME. */
const TRACEPOINT = /^(?:tp|tracepoint)\/([^/]+)\/([^/]+)$/;
/** BTF-typed and raw tracepoints name the event without its category. */
const RAW_TRACEPOINT = /^(?:tp_btf|raw_tp|raw_tracepoint)(?:\.w)?\/([^/]+)$/;
const LSM = /^lsm(?:\.s)?\//;

export class HostKernelFeatures implements KernelFeatures {
  /** Names of every tracepoint, read once when a raw tracepoint is first asked about. */
  private eventNames: Set<string> | undefined;

  constructor(private readonly paths: KernelFeaturePaths = HOST_PATHS) {}

  missingAttachPoint(section: string): string | null {
    const events = join(this.paths.tracefs, 'events');
    // Without tracefs nothing can be judged here; loading will say what is wrong.
    if (!existsSync(events)) return null;
    const tracepoint = TRACEPOINT.exec(section);
    if (tracepoint) {
      const [, category = '', name = ''] = tracepoint;
      return existsSync(join(events, category, name)) ? null : `tracepoint ${category}/${name}`;
    }
    const raw = RAW_TRACEPOINT.exec(section);
    if (raw) {
      const [, name = ''] = raw;
      return this.namesIn(events).has(name) ? null : `tracepoint ${name}`;
    }
    return null;
  }

  hookUnavailable(section: string): string | null {
    if (!LSM.test(section)) return null;
    let active: string;
    try {
      active = readFileSync(this.paths.lsmList, 'utf8').trim();
    } catch (err) {
      return `bpf lsm state unknown: reading ${this.paths.lsmList}: ${(err as Error).message}`;
    }
    return active.split(',').includes('bpf')
      ? null
      : `the bpf lsm is not active (active: ${active}; boot with lsm=...,bpf to enable it)`;
  }

  private namesIn(events: string): Set<string> {
    if (this.eventNames) return this.eventNames;
    const names = new Set<string>();
    for (const category of readdirSync(events, { withFileTypes: true })) {
      if (!category.isDirectory()) continue;
      for (const event of readdirSync(join(events, category.name), { withFileTypes: true })) {
        if (event.isDirectory()) names.add(event.name);
      }
    }
    this.eventNames = names;
    return names;
  }
}
