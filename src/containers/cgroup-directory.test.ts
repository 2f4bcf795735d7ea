import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FakeProc } from '../testing/fake-proc.js';
import { CgroupDirectory, cgroup2MountPoint } from './cgroup-directory.js';

const ID = 'cd'.repeat(32);
const OTHER = 'ef'.repeat(32);

describe('cgroup2MountPoint', () => {
  test('hybrid host: the cgroup2 mount among v1 ones', () => {
    const mountinfo = [
      '31 26 0:27 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
      '32 31 0:28 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
      '33 31 0:29 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd',
    ].join('\n');
    assert.equal(cgroup2MountPoint(mountinfo), '/sys/fs/cgroup/unified');
  });

  test('a bind mount of a sub-cgroup (as in a container) does not count; none gives undefined', () => {
    assert.equal(cgroup2MountPoint('40 30 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw'), undefined);
    assert.equal(cgroup2MountPoint('25 1 8:1 / / rw - ext4 /dev/sda1 rw'), undefined);
    assert.equal(
      cgroup2MountPoint('29 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw'),
      '/sys/fs/cgroup',
    );
  });
});

describe('CgroupDirectory over a directory tree standing in for the cgroup2 mount', () => {
  const proc = new FakeProc();
  after(() => proc.dispose());
  const mount = mkdtempSync(join(tmpdir(), 'ebpipe-cgroup-'));
  const dockerPath = `/system.slice/docker-${ID}.scope`;
  mkdirSync(join(mount, dockerPath), { recursive: true });
  mkdirSync(join(mount, 'system.slice', 'ssh.service'));
  const inode = (path: string): number => statSync(join(mount, path)).ino;

  function directory(now = () => 0): CgroupDirectory {
    return new CgroupDirectory({
      mountPoint: mount,
      procRoot: proc.root,
      hybrid: false,
      minRescanIntervalMs: 1000,
      now,
    });
  }

  test("a miss is answered from the process's /proc/PID/cgroup when the directory's inode matches", () => {
    proc.add({ pid: 10, ppid: 1, comm: 'app', startTicks: 1, cgroup: dockerPath });
    const cgroups = directory();
    const identity = cgroups.identityAtExec(inode(dockerPath), 10);
    assert.deepEqual(identity, { path: dockerPath, containerId: ID, runtime: 'docker' });
    assert.equal(cgroups.identityAtExec(inode(dockerPath), 10), identity, 'then from the cache, the same object');
    assert.deepEqual(cgroups.stats(), { ids: 1, misses: 0, procHits: 1, v1Containers: 0, rescans: 0 });
  });

  test('a process gone, or moved to another cgroup since its event: the mount is walked', () => {
    proc.add({ pid: 11, ppid: 1, comm: 'app', startTicks: 1, cgroup: '/system.slice/ssh.service' });
    const cgroups = directory();
    assert.equal(
      cgroups.identityAtExec(inode(dockerPath), 11)?.containerId,
      ID,
      'moved: the inode does not match, the walk finds it',
    );
    assert.equal(
      cgroups.identityAtExec(inode('/system.slice/ssh.service'), 999)?.systemdUnit,
      'ssh.service',
      'found by that walk',
    );
    assert.equal(cgroups.stats().rescans, 1);
    assert.equal(cgroups.stats().procHits, 0);
  });

  test('walks at most once per interval; an id no walk finds is a counted miss', () => {
    let now = 0;
    const cgroups = directory(() => now);
    assert.equal(cgroups.identityAtExec(123_456_789, 999), undefined);
    const late = `/system.slice/docker-${OTHER}.scope`;
    mkdirSync(join(mount, late));
    now = 999;
    assert.equal(cgroups.identityAtExec(inode(late), 999), undefined, 'too soon to walk again');
    now = 1000;
    assert.equal(cgroups.identityAtExec(inode(late), 999)?.containerId, OTHER);
    assert.deepEqual(cgroups.stats(), { ids: 5, misses: 2, procHits: 0, v1Containers: 0, rescans: 2 });
  });

  test('hybrid host: a container named on v1 lines only (v2 at the root) is found there', () => {
    const hybrid = new FakeProc();
    after(() => hybrid.dispose());
    hybrid.add({ pid: 12, ppid: 1, comm: 'app', startTicks: 1 }).add({ pid: 13, ppid: 1, comm: 'app', startTicks: 1 });
    hybrid.writeFile(13, 'cgroup', `12:pids:/docker/${ID}\n1:name=systemd:/docker/${ID}\n0::/\n`);
    const cgroups = new CgroupDirectory({ mountPoint: mount, procRoot: hybrid.root, hybrid: true });
    assert.deepEqual(cgroups.identityAtExec(inode('/'), 12), { path: '/' }, 'nothing on v1 either');
    assert.deepEqual(cgroups.identityAtExec(inode('/'), 13), {
      path: `/docker/${ID}`,
      containerId: ID,
      runtime: 'docker',
    });
    assert.equal(cgroups.stats().v1Containers, 1);
  });
});
