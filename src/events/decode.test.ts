import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordDecoder } from './decode.js';
import { encodeExec, encodeExit, frameBatch, type ExecRecordValues } from './encode.js';
import { ExecFlags, LAYOUTS } from './generated/abi.js';
import type { Event } from './model.js';

const exec: ExecRecordValues = {
  ktime: 123_456_789,
  cpu: 1,
  seq: 7,
  task: { tgid: 100, pid: 101, startNs: 5_000 },
  parent: { tgid: 1, pid: 1, startNs: 10 },
  creds: { uid: 1000, gid: 1000, euid: 0, egid: 0, capEffective: 0x1ffffffffffn, capPermitted: 1n << 63n },
  ns: { mnt: 1, pid: 2, net: 3, uts: 4, ipc: 5, user: 6, cgroup: 7 },
  cgroupId: 42,
  flags: 0,
  comm: 'true',
  filename: '/usr/bin/true',
  argv: ['/bin/true', 'a', '', 'c d', ''],
  cwd: '/tmp/x y',
};

function decodeAll(...records: Buffer[]): { events: Event[]; decoder: RecordDecoder } {
  const decoder = new RecordDecoder();
  const events: Event[] = [];
  decoder.decodeBatch(frameBatch(records), events);
  return { events, decoder };
}

describe('RecordDecoder', () => {
  test('decodes an exec record with every field, empty arguments included', () => {
    const { events } = decodeAll(encodeExec(exec));
    assert.equal(events.length, 1);
    const e = events[0];
    assert.ok(e?.kind === 'process.exec');
    assert.deepEqual(e.origin, { ktime: exec.ktime, cpu: 1, seq: 7, clockOffsetNs: 0n });
    assert.deepEqual(e.process, { pid: 100, tid: 101, startNs: 5_000, comm: 'true' });
    assert.deepEqual(e.parent, { pid: 1, startNs: 10 });
    assert.equal(e.binary, '/usr/bin/true');
    assert.deepEqual(e.argv, ['/bin/true', 'a', '', 'c d', '']);
    assert.equal(e.cwd, '/tmp/x y');
    assert.deepEqual(e.creds, exec.creds);
    assert.deepEqual(e.namespaces, exec.ns);
    assert.equal(e.cgroupId, 42);
    assert.equal(e.argvTruncated, false);
  });

  test('reports the flags of a truncated argv and cut argument', () => {
    const { events } = decodeAll(encodeExec({ ...exec, flags: ExecFlags.ARGV_TRUNCATED, argv: ['/bin/x', 'cut-sh'] }));
    const e = events[0];
    assert.ok(e?.kind === 'process.exec');
    assert.equal(e.argvTruncated, true);
    assert.deepEqual(e.argv, ['/bin/x', 'cut-sh']);
  });

  test('splits the exit status into code, signal and core dump', () => {
    const task = { tgid: 9, pid: 9, startNs: 1 };
    const { events } = decodeAll(
      encodeExit({ ktime: 1, cpu: 0, seq: 0, task, status: 3 << 8, comm: 'sh' }),
      encodeExit({ ktime: 2, cpu: 0, seq: 1, task, status: 9, comm: 'sleep' }),
      encodeExit({ ktime: 3, cpu: 0, seq: 2, task, status: 0x80 | 11, comm: 'crash' }),
    );
    assert.deepEqual(
      events.map((e) => (e.kind === 'process.exit' ? [e.exitCode, e.signal, e.coreDumped] : null)),
      [
        [3, 0, false],
        [0, 9, false],
        [0, 11, true],
      ],
    );
  });

  test('counts and skips unknown ops, short records and overrunning tails, and decodes what follows', () => {
    const unknown = encodeExit({ ktime: 1, cpu: 0, seq: 0, task: exec.task, status: 0, comm: 'x' });
    unknown.writeUInt16LE(99, 0);
    const short = encodeExec(exec).subarray(0, 20);
    const overrun = encodeExec(exec);
    overrun.writeUInt16LE(4000, LAYOUTS['exec_event']!.fields['filename_len']!.offset); // far past the record's end
    const sizeLies = encodeExec(exec);
    sizeLies.writeUInt16LE(sizeLies.length + 100, LAYOUTS['event_header']!.fields['size']!.offset);
    const { events, decoder } = decodeAll(unknown, short, overrun, sizeLies, encodeExec(exec));
    assert.equal(events.length, 1, 'the good record after the bad ones');
    assert.deepEqual(decoder.stats, { decoded: 1, unknownOp: 1, truncated: 3, badFraming: 0 });
  });

  test('stops at a length prefix that runs past the batch, counting it', () => {
    const batch = frameBatch([encodeExec(exec), encodeExec(exec)]);
    batch.writeUInt32LE(1 << 20, 0);
    const decoder = new RecordDecoder();
    const events: Event[] = [];
    decoder.decodeBatch(batch, events);
    assert.equal(events.length, 0);
    assert.equal(decoder.stats.badFraming, 1);
  });
});
