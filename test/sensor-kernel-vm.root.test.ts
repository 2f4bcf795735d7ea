// Sensors on Debian's 6.1 kernel under QEMU (root, qemu), where this host's kernel falls
// short: module loads and unloads (the host has no module support), and the file sensor's
// lsm/file_open variant (the host refuses BPF LSM programs). The same records come back as
// from the host's tracepoint variant. On this host, the modules sensor must be reported
// unavailable, not crash.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FileOpenEvent } from '../src/events/file-events.js';
import type { Event } from '../src/events/model.js';
import type { ModuleLoadEvent, ModuleUnloadEvent } from '../src/events/module-events.js';
import { projectRoot } from '../src/common/paths.js';
import { runInKernelVm } from '../src/testing/kernel-vm.js';
import { requirement, rootMissing, vmMissing } from './helpers/environment.js';
import { CollectingKernel } from './helpers/kernel.js';
import { SensorHelper } from './helpers/sensor-helper.js';
import type { VmReport } from './helpers/sensors-in-vm.js';

const vmTimeoutMs = 300_000;

const hostHasModules = existsSync('/sys/kernel/tracing/events/syscalls/sys_enter_finit_module');

describe('modules sensor on this host (root)', () => {
  test('is attached where the kernel has module support, else unavailable with the reason, and the others run', async (t) => {
    if (!requirement(t, rootMissing())) return;
    const kernel = new CollectingKernel({ sensors: ['process', 'modules'] });
    try {
      const [process, modules] = kernel.source.sensorStatus();
      assert.equal(process?.state, 'attached');
      assert.equal(modules?.sensor, 'modules');
      if (hostHasModules) {
        assert.equal(modules?.state, 'attached');
      } else {
        assert.ok(modules?.state === 'unavailable', JSON.stringify(modules));
        assert.match(
          modules.reason,
          /none of its attach points exist in this kernel \(syscalls\/sys_enter_init_module, /,
        );
        assert.match(modules.reason, /without loadable module support/);
        assert.deepEqual(
          kernel.source.attachedPrograms().map((p) => p.sensor),
          ['process', 'process', 'process'],
        );
      }
    } finally {
      await kernel.close();
    }
  });
});

describe('sensors in the 6.1 kernel vm (root, qemu)', { concurrency: false, timeout: 2 * vmTimeoutMs }, () => {
  let helper: SensorHelper | undefined;
  let dir = '';
  let report: VmReport | undefined;
  let hostOpen: FileOpenEvent | undefined;

  before(async () => {
    if (vmMissing() !== null) return;
    helper = new SensorHelper();
    // A share: the guest's own root is an overlay, this directory is the host's.
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'ebpipe-vm-sensors-')));
    const run = await runInKernelVm(
      [process.execPath, join(projectRoot, 'dist/test/helpers/sensors-in-vm.js'), helper.path, dir],
      { timeoutMs: vmTimeoutMs, shares: [dir], env: { EBPIPE_LOG_LEVEL: 'warn' } },
    );
    assert.equal(run.code, 0, run.stderr);
    report = JSON.parse(run.stdout) as VmReport;

    // The same open on the host, through the tracepoint variant, for the shape.
    writeFileSync(join(dir, 'opened-on-host.txt'), 'x');
    const kernel = new CollectingKernel({ sensors: ['file'] });
    try {
      const open = await helper.run(['chdir-open', dir, 'opened-on-host.txt']);
      hostOpen = await kernel.waitFor(
        (e): e is FileOpenEvent => e.kind === 'file.open' && e.process.pid === open.pid && e.syscall === 'open',
      );
    } finally {
      await kernel.close();
    }
  });
  after(() => {
    helper?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const events = (): Event[] => report?.events ?? [];

  test('the file sensor runs its lsm variant there, leaving out what 6.1 lacks', (t) => {
    if (!requirement(t, vmMissing()) || !report) return;
    const [file, modules] = report.status;
    assert.ok(file?.state === 'attached', JSON.stringify(file));
    assert.equal(file.variant, 'lsm');
    assert.ok(file.programs.includes('file_lsm_open'));
    assert.deepEqual(
      file.skipped.map((s) => s.program),
      ['file_enter_fchmodat2', 'file_exit_fchmodat2'],
      'fchmodat2 is 6.6+',
    );
    assert.equal(modules?.state, 'attached');
  });

  test('an open seen by lsm/file_open has the resolved path and identity, in the same record as on the host', (t) => {
    if (!requirement(t, vmMissing()) || !report || !hostOpen) return;
    const vmReport = report;
    const open = events().find(
      (e): e is FileOpenEvent =>
        e.kind === 'file.open' && e.process.pid === vmReport.pids['open'] && e.syscall === 'open',
    );
    assert.ok(open, 'the helper open was reported in the vm');
    assert.equal(open.path, report.opened.path);
    assert.equal(open.pathUnresolved, false);
    assert.equal(open.fromLsm, true);
    assert.deepEqual([open.dev, open.ino], [report.opened.dev, report.opened.ino]);
    assert.ok(open.result >= 3);
    assert.deepEqual(Object.keys(open).sort(), Object.keys(hostOpen).sort(), 'the same fields from both variants');
    assert.equal(hostOpen.fromLsm, false);
    assert.equal(hostOpen.path, join(dir, 'opened-on-host.txt'));
  });

  test('modprobe of a real module is a finit_module load named by the kernel, with its file', (t) => {
    if (!requirement(t, vmMissing()) || !report) return;
    const pid = report.pids['modprobe'];
    const load = events().find((e): e is ModuleLoadEvent => e.kind === 'module.load' && e.process.pid === pid);
    assert.ok(load, 'modprobe dummy was reported');
    assert.deepEqual([load.syscall, load.result, load.name], ['finit_module', 0, 'dummy']);
    assert.match(load.path, /\/kernel\/drivers\/net\/dummy\.ko(\.[gx]z|\.zst)?$/);
    assert.ok(load.fd >= 0);
  });

  test('modprobe -r is a delete_module unload with the name', (t) => {
    if (!requirement(t, vmMissing()) || !report) return;
    const pid = report.pids['unload'];
    const unload = events().find((e): e is ModuleUnloadEvent => e.kind === 'module.unload' && e.process.pid === pid);
    assert.ok(unload, 'modprobe -r dummy was reported');
    assert.deepEqual([unload.syscall, unload.result, unload.name], ['delete_module', 0, 'dummy']);
  });

  test('a finit_module on a bad fd is reported as the failed attempt it is', (t) => {
    if (!requirement(t, vmMissing()) || !report) return;
    const pid = report.pids['badFd'];
    const load = events().find((e): e is ModuleLoadEvent => e.kind === 'module.load' && e.process.pid === pid);
    assert.ok(load);
    assert.deepEqual([load.result, load.error, load.name, load.path, load.fd], [-9, 'EBADF', '', '', -1]);
  });

  test('nothing was dropped or undecodable in the vm', (t) => {
    if (!requirement(t, vmMissing()) || !report) return;
    assert.deepEqual(report.drops, []);
    const { unknownOp, truncated, badFraming } = report.decodeStats;
    assert.deepEqual([unknownOp, truncated, badFraming], [0, 0, 0]);
  });
});
