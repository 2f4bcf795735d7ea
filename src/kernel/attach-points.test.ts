import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HostKernelFeatures } from './attach-points.js';

/** A tracefs with the given events (category/name) and an LSM list. */
function fakeKernel(events: readonly string[], lsms: string | null): HostKernelFeatures {
  const root = mkdtempSync(join(tmpdir(), 'ebpipe-features-'));
  roots.push(root);
  mkdirSync(join(root, 'tracing', 'events'), { recursive: true });
  for (const event of events) mkdirSync(join(root, 'tracing', 'events', event), { recursive: true });
  writeFileSync(join(root, 'tracing', 'events', 'enable'), '0');
  if (lsms !== null) writeFileSync(join(root, 'lsm'), lsms);
  return new HostKernelFeatures({ tracefs: join(root, 'tracing'), lsmList: join(root, 'lsm') });
}

const roots: string[] = [];

describe('HostKernelFeatures', () => {
  after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

  const features = fakeKernel(['syscalls/sys_enter_openat', 'sched/sched_process_exec'], 'lockdown,capability,bpf');

  test('a syscall tracepoint is missing exactly when its event directory is', () => {
    assert.equal(features.missingAttachPoint('tp/syscalls/sys_enter_openat'), null);
    assert.equal(features.missingAttachPoint('tracepoint/syscalls/sys_enter_openat'), null);
    assert.equal(
      features.missingAttachPoint('tp/syscalls/sys_enter_finit_module'),
      'tracepoint syscalls/sys_enter_finit_module',
    );
  });

  test('a btf or raw tracepoint is looked up by name in every category', () => {
    assert.equal(features.missingAttachPoint('tp_btf/sched_process_exec'), null);
    assert.equal(features.missingAttachPoint('raw_tp/sched_process_exec'), null);
    assert.equal(features.missingAttachPoint('tp_btf/module_load'), 'tracepoint module_load');
  });

  test('other hooks are left to loading to judge', () => {
    assert.equal(features.missingAttachPoint('kprobe/do_sys_openat2'), null);
    assert.equal(features.missingAttachPoint('lsm/file_open'), null);
  });

  test('without tracefs nothing is called missing', () => {
    const none = new HostKernelFeatures({ tracefs: '/nonexistent/tracing', lsmList: '/nonexistent/lsm' });
    assert.equal(none.missingAttachPoint('tp/syscalls/sys_enter_openat'), null);
  });

  test('lsm programs need the bpf lsm active; other kinds are not judged', () => {
    assert.equal(features.hookUnavailable('lsm/file_open'), null);
    assert.equal(features.hookUnavailable('tp/syscalls/sys_enter_openat'), null);
    const inactive = fakeKernel([], 'lockdown,capability,landlock');
    assert.match(
      inactive.hookUnavailable('lsm.s/file_open') ?? '',
      /^the bpf lsm is not active \(active: lockdown,capability,landlock;/,
    );
    const unknown = fakeKernel([], null);
    assert.match(unknown.hookUnavailable('lsm/file_open') ?? '', /^bpf lsm state unknown: reading .*lsm: ENOENT/);
  });
});
