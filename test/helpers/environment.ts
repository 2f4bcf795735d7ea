// Tests that need root, the kernel or a service skip only outside CI, and say so loudly;
// in CI (CI set) a missing requirement fails the test instead.
import type { TestContext } from 'node:test';
import { kernelVmAvailable } from '../../src/testing/kernel-vm.js';

export const inCi = Boolean(process.env['CI']);

/** Returns false (after skipping the test loudly) when `reason` is not null and we are not in CI. */
export function requirement(t: TestContext, reason: string | null): boolean {
  if (reason === null) return true;
  if (inCi) throw new Error(`required in CI: ${reason}`);
  process.stderr.write(`\n*** SKIPPED ${t.name}: ${reason} ***\n`);
  t.skip(reason);
  return false;
}

export function rootMissing(): string | null {
  return process.getuid?.() === 0 ? null : 'needs root (BPF programs are loaded into the kernel)';
}

/** Root plus QEMU and Debian's 6.1 kernel (scripts/vm/install.sh), for LSM and kprobe tests. */
export function vmMissing(): string | null {
  const root = rootMissing();
  if (root) return root;
  const available = kernelVmAvailable();
  return available.ok ? null : available.reason;
}
