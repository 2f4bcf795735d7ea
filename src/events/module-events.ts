// Events of the kernel-module sensor (bpf/modules.bpf.c): loads and unloads, every attempt.
import type { ProcessRef, RecordOrigin, SyscallOutcome } from './references.js';

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
