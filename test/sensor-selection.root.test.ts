// Switching sensors off (root, real kernel): a sensor left out of the list loads and
// attaches nothing, so the kernel runs none of its programs and no event of its kinds comes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Event } from '../src/events/model.js';
import { loadNativeAddon } from '../src/kernel/native.js';
import { SENSOR_NAMES, sensorSpec } from '../src/kernel/sensors.js';
import { bpfObjectPath } from '../src/common/paths.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { CollectingKernel } from './helpers/kernel.js';
import { SensorHelper } from './helpers/sensor-helper.js';

/** Event kinds each sensor emits, by their kind prefix. */
const KIND_PREFIXES: Readonly<Record<string, string>> = {
  process: 'process.',
  file: 'file.',
  network: 'network.',
  credentials: 'credentials.',
  modules: 'module.',
};

/** The names of an object's programs, without loading it; the kernel keeps 15 characters of each. */
function programNames(sensor: string): string[] {
  const [variant] = sensorSpec(sensor).variants;
  const object = new (loadNativeAddon().BpfObject)(bpfObjectPath(variant?.object ?? sensor));
  try {
    return object.programs().map((p) => p.name.slice(0, 15));
  } finally {
    object.close();
  }
}

function loadedPrograms(): { id: number; name: string }[] {
  return JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as {
    id: number;
    name: string;
  }[];
}

describe('sensor selection (root, real kernel)', { concurrency: false }, () => {
  let helper: SensorHelper | undefined;

  before(() => {
    if (rootMissing() === null) helper = new SensorHelper();
  });
  after(() => helper?.remove());

  for (const off of SENSOR_NAMES.filter((s) => s !== 'process')) {
    test(`with ${off} off, none of its programs is loaded and none of its events comes`, async (t) => {
      if (!requirement(t, rootMissing()) || !helper) return;
      const before = new Set(loadedPrograms().map((p) => p.id));
      const on = SENSOR_NAMES.filter((s) => s !== off);
      const kernel = new CollectingKernel({ sensors: on });
      try {
        const attached = kernel.source.attachedPrograms();
        assert.ok(!attached.some((p) => p.sensor === off), `attached: ${attached.map((p) => p.sensor).join(',')}`);
        assert.deepEqual(
          kernel.source.sensorStatus().map((s) => s.sensor),
          on,
        );
        // What the kernel has loaded since, not only this source's own bookkeeping.
        const offNames = new Set(programNames(off));
        const added = loadedPrograms().filter((p) => !before.has(p.id));
        assert.ok(added.length >= attached.length);
        for (const p of added) assert.ok(!offNames.has(p.name), `program ${p.name} (${p.id}) of ${off} is loaded`);

        // One call of every domain; each helper's exit (process sensor) says its calls are behind it.
        const runs = [
          await helper.run(['open', '/etc/hostname']),
          await helper.run(['udp-sendto', '127.0.0.1', '9', '1']),
          await helper.run(['setuid', '65534']),
        ];
        for (const run of runs) await kernel.waitFor((e) => e.kind === 'process.exit' && e.process.pid === run.pid);
        const pids = new Set(runs.map((r) => r.pid));
        const kinds = new Set(kernel.events.filter((e: Event) => pids.has(e.process.pid)).map((e) => e.kind));
        const prefix = KIND_PREFIXES[off] ?? `${off}.`;
        assert.deepEqual(
          [...kinds].filter((k) => k.startsWith(prefix)),
          [],
          `no ${prefix}* events`,
        );
        for (const sensor of on) {
          const status = kernel.source.sensorStatus().find((s) => s.sensor === sensor);
          const onPrefix = KIND_PREFIXES[sensor];
          if (status?.state !== 'attached' || !onPrefix || sensor === 'modules') continue;
          assert.ok(
            [...kinds].some((k) => k.startsWith(onPrefix)),
            `${sensor} still reports (${[...kinds].join(', ')})`,
          );
        }
      } finally {
        await kernel.close();
      }
    });
  }
});
