// The variant fallback without a kernel: objects whose load or attach fails on demand.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import type { KernelFeatures } from './attach-points.js';
import { FakeBpfObject, type BpfObjectScript } from '../testing/fake-bpf-object.js';
import type { NativeAddon } from './native.js';
import { loadSensor, type SensorLoadContext } from './sensor-loader.js';
import type { SensorSpec } from './sensors.js';

/** Objects by file name (without .bpf.o): a fresh one per open, as the addon gives. */
function fakeAddon(scripts: Record<string, BpfObjectScript>, opened: FakeBpfObject[]): NativeAddon {
  const BpfObject = function (path: string) {
    const script = scripts[basename(path, '.bpf.o')];
    if (!script) throw Object.assign(new Error(`opening ${path}: No such file or directory`), { code: 'ENOENT' });
    const object = new FakeBpfObject(script);
    opened.push(object);
    return object;
  } as unknown as NativeAddon['BpfObject'];
  return { BpfObject } as NativeAddon;
}

const noFeaturesMissing: KernelFeatures = { missingAttachPoint: () => null, hookUnavailable: () => null };

function context(scripts: Record<string, BpfObjectScript>, features = noFeaturesMissing) {
  const opened: FakeBpfObject[] = [];
  const logs: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const { level, msg, ...obj } = JSON.parse(line) as { level: number; msg: string };
        logs.push({ level: pino.levels.labels[level] ?? String(level), msg, obj });
      },
    },
  );
  const ctx: SensorLoadContext = {
    addon: fakeAddon(scripts, opened),
    owner: undefined,
    ringBytes: 1 << 20,
    globals: { ring_wakeup_bytes: Buffer.alloc(8) },
    features,
    logger,
  };
  return { ctx, opened, logs };
}

const fileSpec: SensorSpec = {
  name: 'file',
  variants: [
    { hook: 'lsm', object: 'file' },
    { hook: 'tracepoint', object: 'file', without: ['lsm/'] },
  ],
};

const filePrograms = [
  { name: 'file_enter_openat', section: 'tp/syscalls/sys_enter_openat' },
  { name: 'file_exit_openat', section: 'tp/syscalls/sys_exit_openat' },
  { name: 'file_lsm_open', section: 'lsm/file_open' },
];

describe('loadSensor', () => {
  test('uses the first variant that loads and attaches', () => {
    const { ctx, opened, logs } = context({ file: { programs: filePrograms } });
    const { object, status } = loadSensor(fileSpec, ctx);
    assert.equal(object, opened[0]);
    assert.ok(status.state === 'attached');
    assert.equal(status.variant, 'lsm');
    assert.deepEqual(status.programs, ['file_enter_openat', 'file_exit_openat', 'file_lsm_open']);
    assert.deepEqual(opened[0]?.calls, ['global ring_wakeup_bytes', 'size events', 'load']);
    assert.deepEqual(
      logs.map((l) => [l.level, l.msg]),
      [['info', 'sensor attached']],
    );
  });

  test('a refused variant is closed, logged with its reason, and the next one is used', () => {
    const { ctx, opened, logs } = context({ file: { programs: filePrograms } });
    let opens = 0;
    const addon = ctx.addon;
    // The first open of file refuses to load, as this host refuses lsm programs.
    ctx.addon = {
      BpfObject: function (path: string) {
        const object = new addon.BpfObject(path) as unknown as FakeBpfObject;
        if (opens++ === 0) object.script.loadError = 'loading file.bpf.o: Operation not permitted\nlibbpf: detail';
        return object;
      } as unknown as NativeAddon['BpfObject'],
    } as NativeAddon;
    const { object, status } = loadSensor(fileSpec, ctx);
    assert.ok(status.state === 'attached');
    assert.equal(status.variant, 'tracepoint');
    assert.deepEqual(status.failures, [
      { variant: 'lsm', reason: 'loading: loading file.bpf.o: Operation not permitted' },
    ]);
    assert.deepEqual(status.programs, ['file_enter_openat', 'file_exit_openat'], 'without the lsm program');
    assert.equal(opened[0]?.closed, true, 'the refused object is closed');
    assert.equal(object, opened[1]);
    assert.equal(opened[1]?.closed, false);
    const warning = logs.find((l) => l.level === 'warn');
    assert.equal(warning?.msg, 'sensor variant failed, falling back to tracepoint');
    assert.equal(warning?.obj['detail'], 'libbpf: detail');
  });

  test('programs whose tracepoint is missing are left out and listed; the rest attach', () => {
    const features: KernelFeatures = {
      missingAttachPoint: (s) => (s.includes('openat') ? null : `tracepoint ${s.slice(3)}`),
      hookUnavailable: () => null,
    };
    const spec: SensorSpec = { name: 'x', variants: [{ hook: 'tracepoint', object: 'x' }] };
    const programs = [...filePrograms.slice(0, 2), { name: 'x_fchmodat2', section: 'tp/syscalls/sys_enter_fchmodat2' }];
    const { ctx } = context({ x: { programs } }, features);
    const { status } = loadSensor(spec, ctx);
    assert.ok(status.state === 'attached');
    assert.deepEqual(status.programs, ['file_enter_openat', 'file_exit_openat']);
    assert.deepEqual(status.skipped, [
      {
        program: 'x_fchmodat2',
        section: 'tp/syscalls/sys_enter_fchmodat2',
        reason: 'tracepoint syscalls/sys_enter_fchmodat2 does not exist in this kernel',
      },
    ]);
  });

  test('a sensor with no attach point at all is unavailable with its hint, and nothing stays open', () => {
    const features: KernelFeatures = { missingAttachPoint: (s) => `tracepoint ${s}`, hookUnavailable: () => null };
    const spec: SensorSpec = {
      name: 'modules',
      variants: [{ hook: 'tracepoint', object: 'modules' }],
      whenNoAttachPoint: 'no module support',
    };
    const programs = [
      { name: 'mod_enter', section: 'tp/syscalls/sys_enter_init_module' },
      { name: 'mod_loaded', section: 'tp_btf/module_load' },
    ];
    const { ctx, opened, logs } = context({ modules: { programs } }, features);
    const { object, status } = loadSensor(spec, ctx);
    assert.equal(object, undefined);
    assert.ok(status.state === 'unavailable');
    assert.equal(
      status.reason,
      'tracepoint: none of its attach points exist in this kernel (syscalls/sys_enter_init_module, module_load): no module support',
    );
    assert.equal(opened[0]?.closed, true);
    assert.deepEqual(
      logs.map((l) => l.msg),
      ['sensor variant failed', 'sensor unavailable'],
    );
  });

  test('an lsm variant on a kernel without the bpf lsm fails before loading', () => {
    const features: KernelFeatures = {
      missingAttachPoint: () => null,
      hookUnavailable: (s) => (s.startsWith('lsm/') ? 'the bpf lsm is not active' : null),
    };
    const { ctx, opened } = context({ file: { programs: filePrograms } }, features);
    const { status } = loadSensor(fileSpec, ctx);
    assert.ok(status.state === 'attached');
    assert.deepEqual(status.failures, [
      { variant: 'lsm', reason: 'file_lsm_open (lsm/file_open): the bpf lsm is not active' },
    ]);
    assert.ok(!opened[0]?.calls.includes('load'), 'never loaded');
  });

  test('a later sensor shares the first one’s maps instead of sizing its own ring', () => {
    const { ctx, opened } = context({ file: { programs: filePrograms } });
    ctx.owner = new FakeBpfObject({ programs: [] });
    loadSensor(fileSpec, ctx);
    assert.deepEqual(opened[0]?.calls, [
      'global ring_wakeup_bytes',
      'share events',
      'share drops',
      'share sequence',
      'share scratch_space',
      'load',
    ]);
  });

  test('an attach failure falls back too, and a missing object makes the sensor unavailable', () => {
    const attachFails = context({ file: { programs: filePrograms, attachError: 'attaching file_lsm_open: EPERM' } });
    const { status } = loadSensor(fileSpec, attachFails.ctx);
    assert.ok(status.state === 'unavailable');
    assert.deepEqual(
      status.failures.map((f) => f.reason),
      ['attaching: attaching file_lsm_open: EPERM', 'attaching: attaching file_lsm_open: EPERM'],
    );
    const missing = context({});
    const none = loadSensor(fileSpec, missing.ctx).status;
    assert.ok(none.state === 'unavailable');
    assert.match(none.reason, /^lsm: opening: opening .*file\.bpf\.o: No such file or directory; tracepoint: opening/);
  });
});
