import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordDecoder } from './decode.js';
import { encodeExec, encodeFileOpen, encodeSock, frameBatch } from './encode.js';
import { Op, Syscall } from './generated/abi.js';
import type { Event } from './model.js';
import { toOtelLog } from './otel-log.js';

const header = { ktime: 2_000_000_123, cpu: 0, seq: 1, task: { tgid: 42, pid: 42, startNs: 7 }, comm: 'curl' };
const resource = { 'service.name': 'ebpipe', 'host.name': 'h' };

function decode(record: Buffer): Event {
  const events: Event[] = [];
  new RecordDecoder(1_700_000_000_000_000_000n).decodeBatch(frameBatch([record]), events);
  assert.equal(events.length, 1);
  return events[0]!;
}

test('an exec maps to semantic-convention process attributes with a nanosecond timestamp', () => {
  const row = toOtelLog(
    decode(
      encodeExec({
        ...header,
        parent: { tgid: 1, pid: 1, startNs: 1 },
        creds: { uid: 1000, gid: 100, euid: 0, egid: 0, capEffective: 0x1fn, capPermitted: 0n },
        ns: { mnt: 1, pid: 1, net: 1, uts: 1, ipc: 1, user: 1, cgroup: 1 },
        cgroupId: 9,
        flags: 0,
        filename: '/usr/bin/curl',
        argv: ['curl', 'https://example.com'],
        cwd: '/tmp',
      }),
    ),
    resource,
  );
  assert.equal(row.timestampNs, 1_700_000_002_000_000_123n);
  assert.equal(row.eventName, 'process.exec');
  assert.equal(row.body, 'exec /usr/bin/curl https://example.com');
  assert.equal(row.logAttributes['process.executable.path'], '/usr/bin/curl');
  assert.deepEqual(JSON.parse(row.logAttributes['process.command_args'] ?? ''), ['curl', 'https://example.com']);
  assert.equal(row.logAttributes['process.parent_pid'], '1');
  assert.equal(row.logAttributes['process.user.id'], '1000');
  assert.equal(row.logAttributes['ebpipe.capabilities.effective'], '0x1f');
  assert.equal(row.resourceAttributes, resource);
});

test('a connect maps its socket to network.local.* / network.peer.*', () => {
  const row = toOtelLog(
    decode(
      encodeSock(Op.NET_CONNECT, {
        ...header,
        syscall: Syscall.SYS_CONNECT,
        result: 0,
        family: 2,
        protocol: 6,
        localPort: 40000,
        remotePort: 443,
        localAddr: Buffer.from([127, 0, 0, 1]),
        remoteAddr: Buffer.from([10, 1, 2, 3]),
        backlog: 0,
        oldState: 0,
        flags: 0,
        bytesAcked: 0,
        bytesReceived: 0,
      }),
    ),
    resource,
  );
  assert.equal(row.eventName, 'network.connect');
  assert.equal(row.logAttributes['network.peer.address'], '10.1.2.3');
  assert.equal(row.logAttributes['network.peer.port'], '443');
  assert.equal(row.logAttributes['network.local.port'], '40000');
  assert.equal(row.logAttributes['network.transport'], 'tcp');
  assert.equal(row.logAttributes['network.remote.address'], undefined, 'no duplicate under a generic name');
});

test('a file open carries file.path and its result', () => {
  const row = toOtelLog(
    decode(
      encodeFileOpen({
        ...header,
        syscall: Syscall.SYS_OPENAT,
        result: -2,
        openFlags: 0,
        mode: 0,
        resolve: 0,
        dev: 0,
        ino: 0,
        dirfd: -100,
        flags: 0,
        path: '/etc/shadow',
      }),
    ),
    resource,
  );
  assert.equal(row.logAttributes['file.path'], '/etc/shadow');
  assert.equal(row.logAttributes['file.error'], 'ENOENT');
  assert.equal(row.body, 'file.open /etc/shadow by curl');
});
