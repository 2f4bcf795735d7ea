// Boots the kernel VM (needs root, qemu and Debian's 6.1 kernel; skipped loudly without
// them outside CI, failed in CI) and checks what tests inside it rely on.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { requirement, vmMissing } from './helpers/environment.js';
import { KernelVmError, runInKernelVm } from '../src/testing/kernel-vm.js';

const missing = vmMissing();

const vmTimeoutMs = 240_000;

describe('kernel vm (root, qemu)', { concurrency: false, timeout: 4 * vmTimeoutMs }, () => {
  test('runs the command under a 6.1 kernel with the bpf lsm active', async (t) => {
    if (!requirement(t, missing)) return;
    const started = Date.now();
    const uname = await runInKernelVm(['uname', '-r'], { timeoutMs: vmTimeoutMs });
    t.diagnostic(`trivial command, boot included: ${Date.now() - started} ms`);
    assert.equal(uname.code, 0, uname.stderr);
    // "6.1." and not "6.1": the host runs 6.18.
    assert.match(uname.stdout, /^6\.1\.\d+/);
    assert.equal(uname.kernelRelease, uname.stdout.trim());

    const lsm = await runInKernelVm(['cat', '/sys/kernel/security/lsm'], { timeoutMs: vmTimeoutMs });
    assert.equal(lsm.code, 0, lsm.stderr);
    assert.ok(lsm.stdout.split(',').includes('bpf'), `active lsms: ${lsm.stdout}`);
  });

  test('returns exit status, both streams, cwd, env and the files written to a share', async (t) => {
    if (!requirement(t, missing)) return;
    // The guest mounts shares at their physical path.
    const shared = await realpath(await mkdtemp(join(tmpdir(), 'ebpipe-vm-share-')));
    t.after(() => rm(shared, { recursive: true, force: true }));
    const script = 'pwd; echo "to stderr" >&2; echo "$GREETING" > written-by-guest; exit 7';
    const run = await runInKernelVm(['sh', '-c', script], {
      timeoutMs: vmTimeoutMs,
      cwd: shared,
      shares: [shared],
      env: { GREETING: "it's a 'quoted' $value" },
    });
    assert.equal(run.code, 7);
    assert.equal(run.stdout, `${shared}\n`);
    assert.equal(run.stderr, 'to stderr\n');
    assert.equal(await readFile(join(shared, 'written-by-guest'), 'utf8'), "it's a 'quoted' $value\n");
  });

  test("runs the host's node, with loopback networking", async (t) => {
    if (!requirement(t, missing)) return;
    // A TCP round trip over 127.0.0.1, then the version: tests inside rely on both.
    const program = `
      const net = require('node:net');
      const server = net.createServer((s) => s.end('pong')).listen(0, '127.0.0.1', () => {
        net.connect(server.address().port, '127.0.0.1').on('data', (d) => {
          console.log(String(d), process.version);
          server.close();
        });
      });`;
    const run = await runInKernelVm([process.execPath, '-e', program], { timeoutMs: vmTimeoutMs });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(run.stdout, `pong ${process.version}\n`);
  });

  test('stops a run that outlives its timeout and says so', async (t) => {
    if (!requirement(t, missing)) return;
    const run = runInKernelVm(['sleep', '3600'], { timeoutMs: 15_000 });
    const error = await run.then(
      () => assert.fail('sleep 3600 finished within 15 s'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof KernelVmError, String(error));
    assert.equal(error.code, 'VM_TIMEOUT', error.message);
    assert.match(error.message, /timed out after 15 s/);
    if (error.consoleLog !== null) await rm(dirname(error.consoleLog), { recursive: true, force: true });
  });
});
