// Credentials sensor on the real kernel (root): setuid calls by test helpers, dropping
// privilege as root, raising it through a setuid-root binary run as nobody, and an attempt
// that fails, each with the credentials before and after.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CredentialsChangeEvent } from '../src/events/credentials-events.js';
import type { Event } from '../src/events/model.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { CollectingKernel } from './helpers/kernel.js';
import { SensorHelper } from './helpers/sensor-helper.js';

const NOBODY = 65534;
const AS_NOBODY = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];

function credChange(pid: number, syscall: string, match: (e: CredentialsChangeEvent) => boolean = () => true) {
  return (e: Event): e is CredentialsChangeEvent =>
    e.kind === 'credentials.change' && e.process.pid === pid && e.syscall === syscall && match(e);
}

describe('credentials sensor (root, real kernel)', { concurrency: false }, () => {
  let kernel: CollectingKernel | undefined;
  let helper: SensorHelper | undefined;
  let suidHelper = '';

  before(() => {
    if (rootMissing() !== null) return;
    kernel = new CollectingKernel({ sensors: ['credentials'] });
    helper = new SensorHelper();
    suidHelper = join(helper.dir, 'suid-helper');
    copyFileSync(helper.path, suidHelper);
    chownSync(suidHelper, 0, 0);
    chmodSync(suidHelper, 0o4755);
  });
  after(async () => {
    await kernel?.close();
    helper?.remove();
  });

  test('root dropping to nobody by setuid: old and new ids, capabilities lost, no raise', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return;
    const run = await helper.run(['setuid', String(NOBODY)]);
    assert.equal(run.stdout, 'setuid 0\n');
    const e = await kernel.waitFor(credChange(run.pid, 'setuid'));
    assert.deepEqual(e.args, [NOBODY]);
    assert.equal(e.result, 0);
    assert.deepEqual([e.before.uid, e.before.euid, e.before.suid, e.before.fsuid], [0, 0, 0, 0]);
    assert.deepEqual([e.after.uid, e.after.euid, e.after.suid, e.after.fsuid], [NOBODY, NOBODY, NOBODY, NOBODY]);
    assert.ok(e.before.capEffective > 0n, 'root held capabilities');
    assert.equal(e.after.capEffective, 0n);
    assert.equal(e.after.capPermitted, 0n);
    assert.equal(e.privilegeRaised, false);
    assert.deepEqual(e.raisedBy, []);
  });

  test('nobody running a setuid-root binary that calls setuid(0) is a raise of the real uid', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return;
    const run = await helper.run(['setuid', '0'], { command: [...AS_NOBODY, suidHelper] });
    assert.equal(run.stdout, 'setuid 0\n');
    const e = await kernel.waitFor(credChange(run.pid, 'setuid', (x) => x.args[0] === 0));
    assert.equal(e.result, 0);
    assert.deepEqual([e.before.uid, e.before.euid], [NOBODY, 0], 'the setuid bit gave euid 0, not uid');
    assert.deepEqual([e.after.uid, e.after.euid, e.after.suid], [0, 0, 0]);
    assert.equal(e.privilegeRaised, true);
    assert.deepEqual(e.raisedBy, ['uid_to_root']);

    // setpriv itself, as root, cleared the groups and dropped to nobody on its way there.
    const cleared = await kernel.waitFor(credChange(run.pid, 'setgroups'));
    assert.deepEqual([cleared.args, cleared.after.ngroups, cleared.groups], [[0], 0, []]);
    const dropped = await kernel.waitFor(credChange(run.pid, 'setresuid'));
    assert.equal(dropped.after.uid, NOBODY);
    assert.equal(dropped.privilegeRaised, false);
  });

  test('a setuid(0) by nobody without the setuid bit fails with EPERM and changes nothing', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return;
    const run = await helper.run(['setuid', '0'], { command: [...AS_NOBODY, helper.path] });
    assert.equal(run.stdout, 'setuid -1\n');
    const e = await kernel.waitFor(credChange(run.pid, 'setuid', (x) => x.args[0] === 0));
    assert.equal(e.result, -1);
    assert.equal(e.error, 'EPERM');
    assert.deepEqual(e.after, e.before);
    assert.equal(e.privilegeRaised, false);
  });

  test('no records are lost to framing or decoding, and none were dropped', (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const s = kernel.decoder.stats;
    assert.equal(s.truncated + s.unknownOp + s.badFraming, 0);
    assert.deepEqual(kernel.source.drops(), []);
  });
});
