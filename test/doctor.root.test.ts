// `ebpipe doctor` on this host and inside Debian's 6.1 kernel (root): each reports the
// sensor variant the kernel actually accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectRoot } from '../src/common/paths.js';
import { runInKernelVm } from '../src/testing/kernel-vm.js';
import { runCli, cliPath } from './helpers/cli.js';
import { requirement, rootMissing, vmMissing } from './helpers/environment.js';

test('doctor on this host names each sensor variant, falling back where lsm/ is refused', async (t) => {
  if (!requirement(t, rootMissing())) return;
  const result = await runCli(['doctor']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^preflight\s+ok/m);
  assert.match(result.stdout, /^sensor process\s+tp_btf/m);
  assert.match(result.stdout, /^sensor file\s+(lsm|tracepoint)/m);
  assert.match(result.stdout, /^sensor network\s+tracepoint/m);
});

test('doctor inside the 6.1 kernel with BPF LSM picks the lsm variant of the file sensor', async (t) => {
  if (!requirement(t, vmMissing())) return;
  const result = await runInKernelVm([process.execPath, cliPath, 'doctor'], { cwd: projectRoot, timeoutMs: 300_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^kernel\s+6\.1\./m);
  assert.match(result.stdout, /^sensor file\s+lsm/m);
  assert.match(result.stdout, /^sensor modules\s+tracepoint/m);
});
