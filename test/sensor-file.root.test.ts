// File sensor on the real kernel (root): processes this test spawns open, create, rename,
// chmod, chown and unlink files, and every call comes back with the absolute path of the
// file it touched.
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FileEvent, FileOpenEvent } from '../src/events/file-events.js';
import type { Event } from '../src/events/model.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { CollectingKernel } from './helpers/kernel.js';
import { SensorHelper } from './helpers/sensor-helper.js';

const AT_FDCWD = -100;
const O_CREAT = 0o100;
const RESOLVE_BENEATH = 0x08;

/**
 * The helper's own call: its pid is also the forked child that set up stdio and the
 * dynamic loader that opened libc (with openat), so the syscall is part of the match.
 */
function isCall<K extends FileEvent['kind']>(kind: K, pid: number, syscall: string) {
  return (e: Event): e is Extract<FileEvent, { kind: K }> =>
    e.kind === kind && e.process.pid === pid && e.syscall === syscall;
}

describe('file sensor (root, real kernel)', { concurrency: false }, () => {
  let kernel: CollectingKernel | undefined;
  let helper: SensorHelper | undefined;
  let dir = '';

  before(() => {
    if (rootMissing() !== null) return;
    kernel = new CollectingKernel({ sensors: ['file'] });
    helper = new SensorHelper();
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'ebpipe file sensor ')));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'data.txt'), 'data');
  });
  after(async () => {
    await kernel?.close();
    helper?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function ready(t: Parameters<typeof requirement>[0]): { k: CollectingKernel; h: SensorHelper } | null {
    if (!requirement(t, rootMissing()) || !kernel || !helper) return null;
    return { k: kernel, h: helper };
  }

  test('the file variant in use is reported, and a refused lsm variant fell back to tracepoints', (t) => {
    const r = ready(t);
    if (!r) return;
    const [status] = r.k.source.sensorStatus();
    assert.ok(status?.state === 'attached', JSON.stringify(status));
    assert.equal(status.sensor, 'file');
    if (status.variant === 'tracepoint') {
      assert.deepEqual(
        status.failures.map((f) => f.variant),
        ['lsm'],
      );
      assert.ok(
        status.programs.every((p) => !p.includes('lsm')),
        'the tracepoint variant loads no lsm program',
      );
    } else {
      assert.equal(status.variant, 'lsm');
    }
  });

  test('a relative open after chdir names the absolute path, with the device and inode of the file', async (t) => {
    const r = ready(t);
    if (!r) return;
    const run = await r.h.run(['chdir-open', join(dir, 'sub'), 'data.txt']);
    const e = await r.k.waitFor(isCall('file.open', run.pid, 'open'));
    assert.equal(e.path, join(dir, 'sub', 'data.txt'));
    assert.equal(e.pathUnresolved, false);
    assert.equal(e.dirfd, AT_FDCWD);
    assert.ok(e.result >= 3, `an fd: ${e.result}`);
    const st = statSync(join(dir, 'sub', 'data.txt'));
    assert.deepEqual([e.dev, e.ino], [st.dev, st.ino]);
    const [status] = r.k.source.sensorStatus();
    assert.equal(e.fromLsm, status?.state === 'attached' && status.variant === 'lsm');
  });

  test('an openat relative to a directory fd names the absolute path', async (t) => {
    const r = ready(t);
    if (!r) return;
    const run = await r.h.run(['openat', join(dir, 'sub'), 'data.txt']);
    const e = await r.k.waitFor(
      (x): x is FileOpenEvent => isCall('file.open', run.pid, 'openat')(x) && x.dirfd >= 0 && x.path.endsWith('.txt'),
    );
    assert.equal(e.path, join(dir, 'sub', 'data.txt'));
    assert.ok(e.result >= 0);
  });

  test('an openat2 names the absolute path and carries its resolve flags', async (t) => {
    const r = ready(t);
    if (!r) return;
    const run = await r.h.run(['openat2', dir, 'sub/data.txt']);
    assert.match(run.stdout, /^openat2 \d+$/m, 'openat2 is supported here');
    const e = await r.k.waitFor(isCall('file.open', run.pid, 'openat2'));
    assert.equal(e.path, join(dir, 'sub', 'data.txt'));
    assert.equal(e.resolve, RESOLVE_BENEATH);
    assert.ok(e.dirfd >= 0);
  });

  test('a creat names the created file, with O_CREAT and the mode asked for', async (t) => {
    const r = ready(t);
    if (!r) return;
    const run = await r.h.run(['creat', 'created.txt'], { cwd: join(dir, 'sub') });
    const e = await r.k.waitFor(isCall('file.open', run.pid, 'creat'));
    assert.equal(e.path, join(dir, 'sub', 'created.txt'));
    assert.equal(e.openFlags & O_CREAT, O_CREAT);
    assert.equal(e.mode, 0o640);
    assert.equal(e.ino, statSync(join(dir, 'sub', 'created.txt')).ino);
  });

  test('opening through a symlink or a hard link names the same file by device and inode', async (t) => {
    const r = ready(t);
    if (!r) return;
    const target = join(dir, 'sub', 'data.txt');
    symlinkSync(target, join(dir, 'symlink'));
    linkSync(target, join(dir, 'hardlink'));
    const viaSymlink = await r.h.run(['open', join(dir, 'symlink')]);
    const viaHardlink = await r.h.run(['open', join(dir, 'hardlink')]);
    const s = await r.k.waitFor(isCall('file.open', viaSymlink.pid, 'open'));
    const h = await r.k.waitFor(isCall('file.open', viaHardlink.pid, 'open'));
    assert.equal(s.path, target, 'the symlink is followed to its target');
    assert.equal(h.path, join(dir, 'hardlink'), 'a hard link is a name of its own');
    assert.deepEqual([s.dev, s.ino], [h.dev, h.ino]);
  });

  test('a failed open reports the error and the typed name joined to the cwd, flagged unresolved', async (t) => {
    const r = ready(t);
    if (!r) return;
    const run = await r.h.run(['chdir-open', dir, 'sub/missing.txt']);
    const e = await r.k.waitFor(isCall('file.open', run.pid, 'open'));
    assert.equal(e.result, -2);
    assert.equal(e.error, 'ENOENT');
    assert.equal(e.path, join(dir, 'sub/missing.txt'));
    assert.equal(e.pathUnresolved, true);
    assert.deepEqual([e.dev, e.ino], [0, 0]);
    const absolute = await r.h.run(['open', '/nonexistent/ebpipe']);
    const a = await r.k.waitFor(isCall('file.open', absolute.pid, 'open'));
    assert.equal(a.path, '/nonexistent/ebpipe');
    assert.equal(a.error, 'ENOENT');
  });

  test('rename, chmod, chown and unlink by coreutils name their paths and results', async (t) => {
    const r = ready(t);
    if (!r) return;
    const shell = ['/bin/sh', '-c'];
    const script = 'touch a && mv a b && chmod 4750 b && chown 65534:65534 b && rm b && rm b';
    const run = await r.h.run([script], { command: shell, cwd: join(dir, 'sub') });
    assert.equal(run.code, 1, 'the second rm fails');
    const b = join(dir, 'sub', 'b');
    const rename = await r.k.waitFor(
      (e): e is Extract<FileEvent, { kind: 'file.rename' }> => e.kind === 'file.rename' && e.newPath === b,
    );
    assert.equal(rename.oldPath, join(dir, 'sub', 'a'));
    assert.equal(rename.result, 0);
    const chmod = await r.k.waitFor(
      (e): e is Extract<FileEvent, { kind: 'file.chmod' }> => e.kind === 'file.chmod' && e.path === b,
    );
    assert.equal(chmod.mode, 0o4750);
    assert.equal(chmod.result, 0);
    const chown = await r.k.waitFor(
      (e): e is Extract<FileEvent, { kind: 'file.chown' }> => e.kind === 'file.chown' && e.path === b,
    );
    assert.deepEqual([chown.uid, chown.gid, chown.result], [65534, 65534, 0]);
    const unlinks = () => r.k.events.filter((e) => e.kind === 'file.unlink' && e.path === b);
    await r.k.waitFor(() => unlinks().length === 2);
    assert.deepEqual(
      unlinks().map((e) => (e.kind === 'file.unlink' ? [e.result, e.pathUnresolved] : null)),
      [
        [0, true],
        [-2, true],
      ],
    );
  });

  test('an fchmod names the file behind the fd, resolved, with its inode', async (t) => {
    const r = ready(t);
    if (!r) return;
    const file = join(dir, 'sub', 'data.txt');
    const run = await r.h.run(['fchmod', file, '600']);
    const e = await r.k.waitFor(isCall('file.chmod', run.pid, 'fchmod'));
    assert.equal(e.path, file);
    assert.equal(e.pathUnresolved, false);
    assert.equal(e.ino, statSync(file).ino);
    assert.equal(e.mode, 0o600);
  });

  test('no records are lost to framing or decoding, and none were dropped', (t) => {
    const r = ready(t);
    if (!r) return;
    assert.deepEqual(r.k.decoder.stats.truncated + r.k.decoder.stats.unknownOp + r.k.decoder.stats.badFraming, 0);
    assert.deepEqual(r.k.source.drops(), []);
  });

  test("the agent's own file activity is not reported (storing events would report the storing)", async (t) => {
    const r = ready(t);
    if (!r) return;
    const own = join(dir, 'agent-own.txt');
    writeFileSync(own, 'written by the agent process itself');
    const child = join(dir, 'child.txt');
    spawnSync('/bin/sh', ['-c', `echo x > '${child}'`]);
    await r.k.waitFor((e) => e.kind === 'file.open' && e.path === child);
    assert.equal(
      r.k.events.filter((e) => e.kind === 'file.open' && e.path === own).length,
      0,
      'no open by the agent process',
    );
  });
});
