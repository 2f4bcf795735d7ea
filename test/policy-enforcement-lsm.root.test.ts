// Policy enforcement inside Debian's 6.1 kernel under QEMU with BPF LSM active (root, qemu):
// the same tests as on this host (test/policy/enforcement-suite.ts), run by node's test runner
// in the guest, where the policy sensor must get its lsm variant: lsm/file_open refuses opens
// (Override, before O_TRUNC truncates) and kills when asked.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { projectRoot } from '../src/common/paths.js';
import { kernelVmAvailable, runInKernelVm } from '../src/testing/kernel-vm.js';
import { requirement, rootMissing } from './helpers/environment.js';

const vmTimeoutMs = 900_000;

function vmMissing(): string | null {
  const root = rootMissing();
  if (root) return root;
  const available = kernelVmAvailable();
  return available.ok ? null : available.reason;
}

describe('policy enforcement in the 6.1 kernel vm with bpf lsm (root, qemu)', { timeout: vmTimeoutMs + 60_000 }, () => {
  test('the enforcement suite passes with the lsm variant', async (t) => {
    if (!requirement(t, vmMissing())) return;
    const suite = join(projectRoot, 'dist/test/policy/enforcement-suite.js');
    const run = await runInKernelVm([process.execPath, '--test', '--test-reporter=spec', suite], {
      timeoutMs: vmTimeoutMs,
      cwd: projectRoot,
      env: { EBPIPE_EXPECT_POLICY_VARIANT: 'lsm', EBPIPE_LOG_LEVEL: 'warn', CI: process.env['CI'] ?? '' },
    });
    for (const line of run.stdout.trimEnd().split('\n')) t.diagnostic(line);
    assert.equal(run.code, 0, `the suite failed in the vm (${run.kernelRelease}):\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /policy sensor variant: lsm/);
    assert.doesNotMatch(run.stdout, /SKIPPED/);
  });
});
