// Compact lines of the file, network, credentials and module events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredIds } from '../../events/generated/abi.js';
import type { Event } from '../../events/model.js';
import type { ProcessRef, RecordOrigin } from '../../events/references.js';
import { formatCompact } from './compact.js';

const origin: RecordOrigin = { ktime: 1, cpu: 0, seq: 0, clockOffsetNs: 0n };
const cat: ProcessRef = { pid: 42, tid: 42, startNs: 1, comm: 'cat', binary: '/usr/bin/cat' };
const unknownBinary: ProcessRef = { pid: 7, tid: 7, startNs: 1, comm: 'sh' };
const file = { path: '/etc/shadow', pathUnresolved: false, pathTruncated: false, dev: 1, ino: 2, dirfd: -100 };
const ids: CredIds = {
  uid: 1000,
  euid: 0,
  suid: 0,
  fsuid: 0,
  gid: 1000,
  egid: 1000,
  sgid: 1000,
  fsgid: 1000,
  capEffective: 0x1ffffffffffn,
  capPermitted: 0x1ffffffffffn,
  capInheritable: 0n,
  capAmbient: 0n,
  ngroups: 1,
};

test('file events show the path, flags or mode, and the error of a failed call', () => {
  const open: Event = {
    kind: 'file.open',
    origin,
    process: cat,
    syscall: 'openat',
    result: -13,
    error: 'EACCES',
    ...file,
    openFlags: 0o1101,
    mode: 0o600,
    resolve: 0,
    fromLsm: false,
  };
  assert.equal(formatCompact(open), '📂 open   42 /usr/bin/cat /etc/shadow O_WRONLY|O_CREAT|O_TRUNC EACCES');
  const typed: Event = {
    ...open,
    process: unknownBinary,
    path: '/tmp/x',
    pathUnresolved: true,
    openFlags: 0,
    result: -2,
    error: 'ENOENT',
  };
  assert.equal(formatCompact(typed), '📂 open   7 [sh] /tmp/x (as typed) O_RDONLY ENOENT');
  const chmod: Event = {
    kind: 'file.chmod',
    origin,
    process: cat,
    syscall: 'fchmodat',
    result: 0,
    ...file,
    atFlags: 0,
    mode: 0o4755,
  };
  assert.equal(formatCompact(chmod), '🔏 chmod  42 /usr/bin/cat /etc/shadow 04755');
  const rename: Event = {
    kind: 'file.rename',
    origin,
    process: cat,
    syscall: 'renameat2',
    result: 0,
    oldPath: '/a',
    oldPathUnresolved: true,
    oldPathTruncated: false,
    newPath: '/b',
    newPathUnresolved: true,
    newPathTruncated: false,
    oldDirfd: -100,
    newDirfd: -100,
    renameFlags: 0,
  };
  assert.equal(formatCompact(rename), '✏️ rename 42 /usr/bin/cat /a → /b');
});

test('network events show both endpoints, IPv6 in brackets, and a close its owner and state', () => {
  const socket = {
    family: 'ipv6' as const,
    protocol: 'tcp',
    local: { address: '::1', port: 40000 },
    remote: { address: '::1', port: 8080 },
  };
  const connect: Event = {
    kind: 'network.connect',
    origin,
    process: cat,
    syscall: 'connect',
    result: -115,
    error: 'EINPROGRESS',
    ...socket,
  };
  assert.equal(formatCompact(connect), '🔌 connect 42 /usr/bin/cat tcp [::1]:40000 → [::1]:8080 EINPROGRESS');
  const close: Event = {
    kind: 'network.close',
    origin,
    process: { pid: 0, tid: 0, startNs: 0, comm: '' },
    ...socket,
    ownerKnown: false,
    oldState: 'ESTABLISHED',
    bytesAcked: 10,
    bytesReceived: 20,
  };
  assert.equal(
    formatCompact(close),
    '🧹 close  ? [owner unknown] tcp [::1]:40000 ↔ [::1]:8080 from ESTABLISHED sent 10 received 20',
  );
});

test('a credentials change lists what changed and marks a raise', () => {
  const change: Event = {
    kind: 'credentials.change',
    origin,
    process: cat,
    syscall: 'setuid',
    result: 0,
    args: [0],
    before: ids,
    after: { ...ids, uid: 0 },
    groups: [],
    privilegeRaised: true,
    raisedBy: ['uid_to_root'],
  };
  assert.equal(formatCompact(change), '🔑 setuid 42 /usr/bin/cat uid 1000→0 ⚠️ privilege raised (uid_to_root)');
});

test('module events name the module, or the file when the kernel never read a name', () => {
  const load: Event = {
    kind: 'module.load',
    origin,
    process: cat,
    syscall: 'finit_module',
    result: -1,
    error: 'EPERM',
    name: '',
    path: '/lib/modules/x/evil.ko',
    args: '',
    fd: 3,
    loadFlags: 0,
  };
  assert.equal(formatCompact(load), '📦 module load 42 /usr/bin/cat /lib/modules/x/evil.ko EPERM');
  const unload: Event = {
    kind: 'module.unload',
    origin,
    process: cat,
    syscall: 'delete_module',
    result: 0,
    name: 'dummy',
    unloadFlags: 0,
  };
  assert.equal(formatCompact(unload), '📦 module unload 42 /usr/bin/cat dummy');
});
