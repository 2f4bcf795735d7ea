// Records of the file, network, credentials and module sensors: encode -> decode round
// trips through the generated layouts, and records cut short or lying about their tails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordDecoder } from './decode.js';
import { EVENT_FIELDS } from './fields.js';
import {
  encodeCredChange,
  encodeFileOpen,
  encodeFilePath,
  encodeFileRename,
  encodeModule,
  encodeSock,
  frameBatch,
  type CredChangeRecordValues,
  type FileOpenRecordValues,
  type FilePathRecordValues,
  type FileRenameRecordValues,
  type ModuleRecordValues,
  type SockRecordValues,
} from './encode.js';
import { CredFlags, FileFlags, LAYOUTS, NetFlags, Op, Syscall } from './generated/abi.js';
import type { CredIds } from './generated/abi.js';
import type { Event } from './model.js';

const header = { ktime: 1_000, cpu: 1, seq: 9, task: { tgid: 200, pid: 201, startNs: 77 }, comm: 'worker' };
const process = { pid: 200, tid: 201, startNs: 77, comm: 'worker' };

function decodeAll(...records: Buffer[]): { events: Event[]; decoder: RecordDecoder } {
  const decoder = new RecordDecoder();
  const events: Event[] = [];
  decoder.decodeBatch(frameBatch(records), events);
  return { events, decoder };
}

function only(...records: Buffer[]): Event {
  const { events, decoder } = decodeAll(...records);
  assert.equal(events.length, 1, JSON.stringify(decoder.stats));
  return events[0]!;
}

/** Cuts a record's tail short while its header still claims the full size, then fixes the size. */
function truncatedTail(record: Buffer, by: number): Buffer {
  const cut = Buffer.from(record.subarray(0, record.length - by));
  cut.writeUInt16LE(cut.length, LAYOUTS['event_header']!.fields['size']!.offset);
  return cut;
}

function assertTruncatedTailRejected(record: Buffer): void {
  const { events, decoder } = decodeAll(truncatedTail(record, 3), record);
  assert.equal(events.length, 1, 'the intact copy after the cut one decodes');
  assert.equal(decoder.stats.truncated, 1);
}

function assertShortRecordRejected(record: Buffer, fixed: number): void {
  const short = Buffer.from(record.subarray(0, fixed - 8));
  short.writeUInt16LE(short.length, LAYOUTS['event_header']!.fields['size']!.offset);
  const { events, decoder } = decodeAll(short);
  assert.equal(events.length, 0);
  assert.equal(decoder.stats.truncated, 1);
}

describe('file records', () => {
  const open: FileOpenRecordValues = {
    ...header,
    syscall: Syscall.SYS_OPENAT2,
    result: 5,
    openFlags: 0o101,
    mode: 0o640,
    resolve: 0x10,
    dev: 0x801,
    ino: 2 ** 40 + 3,
    dirfd: -100,
    flags: FileFlags.FILE_FROM_LSM,
    path: '/srv/data/ünïcode file',
  };

  test('an open decodes with path, flags, identity and the hook that named the file', () => {
    const e = only(encodeFileOpen(open));
    assert.deepEqual(e, {
      kind: 'file.open',
      origin: { ktime: 1_000, cpu: 1, seq: 9, clockOffsetNs: 0n },
      process,
      syscall: 'openat2',
      result: 5,
      path: '/srv/data/ünïcode file',
      pathUnresolved: false,
      pathTruncated: false,
      dev: 0x801,
      ino: 2 ** 40 + 3,
      openFlags: 0o101,
      mode: 0o640,
      resolve: 0x10,
      dirfd: -100,
      fromLsm: true,
    });
  });

  test('a failed open has a negative result, its errno name and the typed path flags', () => {
    const flags = FileFlags.FILE_PATH_UNRESOLVED | FileFlags.FILE_PATH_TRUNCATED;
    const e = only(encodeFileOpen({ ...open, syscall: Syscall.SYS_OPEN, result: -2, flags, dev: 0, ino: 0 }));
    assert.ok(e.kind === 'file.open');
    assert.equal(e.result, -2);
    assert.equal(e.error, 'ENOENT');
    assert.equal(e.syscall, 'open');
    assert.equal(e.pathUnresolved, true);
    assert.equal(e.pathTruncated, true);
    assert.equal(e.fromLsm, false);
  });

  test('a succeeded call has no error field', () => {
    const e = only(encodeFileOpen(open));
    assert.ok(!('error' in e));
  });

  const path: FilePathRecordValues = {
    ...header,
    syscall: Syscall.SYS_FCHOWNAT,
    result: 0,
    dirfd: 7,
    atFlags: 0x1000,
    mode: 0,
    uid: 1000,
    gid: 0xffffffff,
    flags: 0,
    dev: 66,
    ino: 12,
    path: '/etc/shadow',
  };

  test('unlink, chmod and chown share a record and decode to their own kinds', () => {
    const unlink = only(
      encodeFilePath(Op.FILE_UNLINK, { ...path, syscall: Syscall.SYS_UNLINKAT, atFlags: 0x200, result: -13 }),
    );
    assert.deepEqual(unlink, {
      kind: 'file.unlink',
      origin: { ktime: 1_000, cpu: 1, seq: 9, clockOffsetNs: 0n },
      process,
      syscall: 'unlinkat',
      result: -13,
      error: 'EACCES',
      path: '/etc/shadow',
      pathUnresolved: false,
      pathTruncated: false,
      dirfd: 7,
      atFlags: 0x200,
    });
    const chmod = only(encodeFilePath(Op.FILE_CHMOD, { ...path, syscall: Syscall.SYS_FCHMOD, mode: 0o4755 }));
    assert.ok(chmod.kind === 'file.chmod');
    assert.equal(chmod.mode, 0o4755);
    assert.equal(chmod.syscall, 'fchmod');
    assert.deepEqual([chmod.dev, chmod.ino], [66, 12]);
    const chown = only(encodeFilePath(Op.FILE_CHOWN, path));
    assert.ok(chown.kind === 'file.chown');
    assert.deepEqual([chown.uid, chown.gid], [1000, -1], '(u32)-1 reads as -1: unchanged');
    assert.equal(chown.atFlags, 0x1000);
  });

  const rename: FileRenameRecordValues = {
    ...header,
    syscall: Syscall.SYS_RENAMEAT2,
    result: 0,
    oldDirfd: -100,
    newDirfd: 4,
    renameFlags: 1,
    flags: FileFlags.FILE_PATH_UNRESOLVED | FileFlags.FILE_NEW_PATH_UNRESOLVED | FileFlags.FILE_NEW_PATH_TRUNCATED,
    oldPath: '/tmp/a',
    newPath: '/var/tmp/b',
  };

  test('a rename carries both paths and their flags', () => {
    const e = only(encodeFileRename(rename));
    assert.ok(e.kind === 'file.rename');
    assert.equal(e.oldPath, '/tmp/a');
    assert.equal(e.newPath, '/var/tmp/b');
    assert.deepEqual(
      [e.oldPathUnresolved, e.oldPathTruncated, e.newPathUnresolved, e.newPathTruncated],
      [true, false, true, true],
    );
    assert.deepEqual([e.oldDirfd, e.newDirfd, e.renameFlags], [-100, 4, 1]);
  });

  test('records whose paths overrun the record or whose fixed part is cut are counted and skipped', () => {
    assertTruncatedTailRejected(encodeFileOpen(open));
    assertTruncatedTailRejected(encodeFilePath(Op.FILE_CHMOD, path));
    assertTruncatedTailRejected(encodeFileRename(rename));
    assertShortRecordRejected(encodeFileOpen(open), LAYOUTS['file_open_event']!.size);
    assertShortRecordRejected(encodeFilePath(Op.FILE_UNLINK, path), LAYOUTS['file_path_event']!.size);
    assertShortRecordRejected(encodeFileRename(rename), LAYOUTS['file_rename_event']!.size);
  });
});

describe('network records', () => {
  const v4: SockRecordValues = {
    ...header,
    syscall: Syscall.SYS_CONNECT,
    result: -115,
    family: 2,
    protocol: 6,
    localPort: 40_000,
    remotePort: 443,
    localAddr: Buffer.from([10, 0, 0, 2]),
    remoteAddr: Buffer.from([93, 184, 216, 34]),
    backlog: 0,
    oldState: 0,
    flags: 0,
    bytesAcked: 0,
    bytesReceived: 0,
  };
  const loopback6 = Buffer.alloc(16);
  loopback6[15] = 1;
  const v6: SockRecordValues = {
    ...v4,
    family: 10,
    localAddr: loopback6,
    remoteAddr: Buffer.from('20010db8000000000000000000000001', 'hex'),
  };

  test('a non-blocking IPv4 connect decodes with both endpoints and EINPROGRESS', () => {
    assert.deepEqual(only(encodeSock(Op.NET_CONNECT, v4)), {
      kind: 'network.connect',
      origin: { ktime: 1_000, cpu: 1, seq: 9, clockOffsetNs: 0n },
      process,
      family: 'ipv4',
      protocol: 'tcp',
      local: { address: '10.0.0.2', port: 40_000 },
      remote: { address: '93.184.216.34', port: 443 },
      syscall: 'connect',
      result: -115,
      error: 'EINPROGRESS',
    });
  });

  test('IPv6 addresses are RFC 5952 text', () => {
    const e = only(encodeSock(Op.NET_ACCEPT, { ...v6, syscall: Syscall.SYS_ACCEPT4, result: 9 }));
    assert.ok(e.kind === 'network.accept');
    assert.equal(e.family, 'ipv6');
    assert.deepEqual(e.local, { address: '::1', port: 40_000 });
    assert.deepEqual(e.remote, { address: '2001:db8::1', port: 443 });
    assert.equal(e.result, 9);
    assert.equal(e.syscall, 'accept4');
  });

  test('a close names the state it left, the bytes, and an unknown owner', () => {
    const known = only(
      encodeSock(Op.NET_CLOSE, { ...v4, syscall: 0, result: 0, oldState: 1, bytesAcked: 5, bytesReceived: 2 ** 33 }),
    );
    assert.ok(known.kind === 'network.close');
    assert.deepEqual(
      [known.ownerKnown, known.oldState, known.bytesAcked, known.bytesReceived],
      [true, 'ESTABLISHED', 5, 2 ** 33],
    );
    assert.ok(!('syscall' in known), 'a close is not a syscall');
    const unknown = only(
      encodeSock(Op.NET_CLOSE, {
        ...v4,
        oldState: 2,
        flags: NetFlags.NET_OWNER_UNKNOWN,
        task: { tgid: 0, pid: 0, startNs: 0 },
      }),
    );
    assert.ok(unknown.kind === 'network.close');
    assert.equal(unknown.ownerKnown, false);
    assert.equal(unknown.oldState, 'SYN_SENT');
  });

  test('bind, listen and udp sends decode to their kinds', () => {
    const bind = only(encodeSock(Op.NET_BIND, { ...v4, syscall: Syscall.SYS_BIND, result: -98 }));
    assert.ok(bind.kind === 'network.bind');
    assert.equal(bind.error, 'EADDRINUSE');
    const listen = only(encodeSock(Op.NET_LISTEN, { ...v6, syscall: Syscall.SYS_LISTEN, result: 0, backlog: 511 }));
    assert.ok(listen.kind === 'network.listen');
    assert.equal(listen.backlog, 511);
    const send = only(encodeSock(Op.NET_UDP_SEND, { ...v4, syscall: Syscall.SYS_SENDTO, protocol: 17, result: 12 }));
    assert.ok(send.kind === 'network.udp_send');
    assert.deepEqual([send.protocol, send.result, send.syscall], ['udp', 12, 'sendto']);
  });

  test('a socket record cut short is counted and skipped', () => {
    assertShortRecordRejected(encodeSock(Op.NET_CONNECT, v4), LAYOUTS['sock_event']!.size);
  });
});

describe('credentials records', () => {
  const user: CredIds = {
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
    ngroups: 10,
  };
  const change: CredChangeRecordValues = {
    ...header,
    syscall: Syscall.SYS_SETRESUID,
    result: 0,
    args: [0, -1, 0xffffffff],
    flags: CredFlags.CRED_UID_TO_ROOT | CredFlags.CRED_CAPS_GAINED,
    before: user,
    after: { ...user, uid: 0 },
    groups: [4, 24, 27, 30, 46, 100, 118, 1000],
  };

  test('a setresuid decodes with old and new credentials, its ids and how it raised privilege', () => {
    const e = only(encodeCredChange(change));
    assert.ok(e.kind === 'credentials.change');
    assert.equal(e.syscall, 'setresuid');
    assert.deepEqual(e.args, [0, -1, -1]);
    assert.deepEqual(e.before, user);
    assert.deepEqual(e.after, { ...user, uid: 0 });
    assert.deepEqual(e.groups, [4, 24, 27, 30, 46, 100, 118, 1000], 'the first eight of ten');
    assert.equal(e.privilegeRaised, true);
    assert.deepEqual(e.raisedBy, ['uid_to_root', 'caps_gained']);
  });

  test('a dropping setuid takes one id and raises nothing; a failed one names its error', () => {
    const drop = only(
      encodeCredChange({ ...change, syscall: Syscall.SYS_SETUID, args: [65534], flags: 0, result: -1 }),
    );
    assert.ok(drop.kind === 'credentials.change');
    assert.deepEqual(drop.args, [65534]);
    assert.equal(drop.privilegeRaised, false);
    assert.deepEqual(drop.raisedBy, []);
    assert.equal(drop.error, 'EPERM');
    const capset = only(encodeCredChange({ ...change, syscall: Syscall.SYS_CAPSET, args: [] }));
    assert.ok(capset.kind === 'credentials.change');
    assert.deepEqual(capset.args, []);
  });

  test('groups are listed up to the count the credentials hold', () => {
    const e = only(encodeCredChange({ ...change, after: { ...user, ngroups: 2 }, groups: [0, 5] }));
    assert.ok(e.kind === 'credentials.change');
    assert.deepEqual(e.groups, [0, 5]);
  });

  test('a credentials record cut short is counted and skipped', () => {
    assertShortRecordRejected(encodeCredChange(change), LAYOUTS['cred_change_event']!.size);
  });
});

describe('module records', () => {
  const load: ModuleRecordValues = {
    ...header,
    syscall: Syscall.SYS_FINIT_MODULE,
    result: 0,
    fd: 3,
    syscallFlags: 0,
    flags: 1,
    name: 'dummy',
    path: '/usr/lib/modules/6.1.0-56-amd64/kernel/drivers/net/dummy.ko',
    args: 'numdummies=2',
  };

  test('a finit_module decodes with the name the kernel read, the file and the parameters', () => {
    const e = only(encodeModule(Op.MODULE_LOAD, load));
    assert.deepEqual(e, {
      kind: 'module.load',
      origin: { ktime: 1_000, cpu: 1, seq: 9, clockOffsetNs: 0n },
      process,
      syscall: 'finit_module',
      result: 0,
      name: 'dummy',
      path: load.path,
      args: 'numdummies=2',
      fd: 3,
      loadFlags: 0,
    });
  });

  test('a failed init_module has no name, file or fd', () => {
    const e = only(
      encodeModule(Op.MODULE_LOAD, {
        ...load,
        syscall: Syscall.SYS_INIT_MODULE,
        result: -8,
        fd: -1,
        flags: 0,
        name: '',
        path: '',
        args: '',
      }),
    );
    assert.ok(e.kind === 'module.load');
    assert.deepEqual([e.name, e.path, e.args, e.fd, e.error], ['', '', '', -1, 'ENOEXEC']);
  });

  test('an unload names the module and its flags', () => {
    const e = only(
      encodeModule(Op.MODULE_UNLOAD, {
        ...load,
        syscall: Syscall.SYS_DELETE_MODULE,
        result: -2,
        fd: -1,
        syscallFlags: 0o4000,
        path: '',
        args: '',
      }),
    );
    assert.ok(e.kind === 'module.unload');
    assert.deepEqual([e.name, e.unloadFlags, e.error], ['dummy', 0o4000, 'ENOENT']);
  });

  test('a load whose path and parameters overrun the record is counted and skipped', () => {
    assertTruncatedTailRejected(encodeModule(Op.MODULE_LOAD, load));
    assertShortRecordRejected(encodeModule(Op.MODULE_UNLOAD, load), LAYOUTS['module_event']!.size);
  });
});

/** Leaf paths of an event, as conditions name them; arrays are leaves. */
function fieldPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => fieldPaths(v, prefix ? `${prefix}.${k}` : k));
}

test('every field of the sensors’ events can be named in a condition', () => {
  const header = { ktime: 1, cpu: 0, seq: 0, task: { tgid: 1, pid: 1, startNs: 1 }, comm: 'x', result: -1 };
  const ids: CredIds = {
    uid: 0,
    euid: 0,
    suid: 0,
    fsuid: 0,
    gid: 0,
    egid: 0,
    sgid: 0,
    fsgid: 0,
    capEffective: 0n,
    capPermitted: 0n,
    capInheritable: 0n,
    capAmbient: 0n,
    ngroups: 0,
  };
  const sock = { ...header, syscall: Syscall.SYS_CONNECT, family: 2, protocol: 6, localPort: 1, remotePort: 2 };
  const addrs = { localAddr: Buffer.alloc(4), remoteAddr: Buffer.alloc(4), backlog: 0, oldState: 1, flags: 0 };
  const path = { dirfd: 0, atFlags: 0, mode: 0, uid: 0, gid: 0, flags: 0, dev: 0, ino: 0, path: '/x' };
  const module = { fd: 0, syscallFlags: 0, flags: 0, name: 'm', path: '', args: '' };
  const { events } = decodeAll(
    encodeFileOpen({
      ...header,
      syscall: 1,
      openFlags: 0,
      mode: 0,
      resolve: 0,
      dev: 0,
      ino: 0,
      dirfd: 0,
      flags: 0,
      path: '/x',
    }),
    encodeFilePath(Op.FILE_UNLINK, { ...header, syscall: 5, ...path }),
    encodeFilePath(Op.FILE_CHMOD, { ...header, syscall: 10, ...path }),
    encodeFilePath(Op.FILE_CHOWN, { ...header, syscall: 14, ...path }),
    encodeFileRename({
      ...header,
      syscall: 7,
      oldDirfd: 0,
      newDirfd: 0,
      renameFlags: 0,
      flags: 0,
      oldPath: 'a',
      newPath: 'b',
    }),
    ...[Op.NET_CONNECT, Op.NET_ACCEPT, Op.NET_CLOSE, Op.NET_BIND, Op.NET_LISTEN, Op.NET_UDP_SEND].map((op) =>
      encodeSock(op, { ...sock, ...addrs, bytesAcked: 0, bytesReceived: 0 }),
    ),
    encodeCredChange({ ...header, syscall: 30, args: [0], flags: 1, before: ids, after: ids, groups: [] }),
    encodeModule(Op.MODULE_LOAD, { ...header, syscall: 41, ...module }),
    encodeModule(Op.MODULE_UNLOAD, { ...header, syscall: 42, ...module }),
  );
  assert.equal(events.length, 14, 'one event of every kind');
  const unnamed = [...new Set(events.flatMap((e) => fieldPaths(e)))].filter(
    (f) => !EVENT_FIELDS.has(f) && !f.startsWith('origin.clockOffsetNs'),
  );
  assert.deepEqual(unnamed, []);
});
