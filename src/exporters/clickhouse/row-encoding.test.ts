import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { OtelLogRow } from './log-row.js';
import { INSERT_COLUMNS, encodeRows, encodeRowsInSlices } from './row-encoding.js';

const base: OtelLogRow = {
  timestampNs: 1_700_000_000_123_456_789n,
  severityText: 'INFO',
  severityNumber: 9,
  serviceName: 'ebpipe',
  body: 'b',
  eventName: 'process.exec',
  resourceAttributes: { 'host.name': 'h' },
  logAttributes: { 'process.pid': '1' },
};

test('each row is one JSON array line in INSERT_COLUMNS order, the timestamp a bare integer of ns', () => {
  const batch = encodeRows([
    base,
    { ...base, traceId: 'ab', spanId: 'cd', scopeName: 's', scopeVersion: '1', timestampNs: 2n },
  ]);
  assert.equal(INSERT_COLUMNS.length, 12);
  assert.equal(
    batch.payload.toString('utf8'),
    '[1700000000123456789,"","","INFO",9,"ebpipe","b",{"host.name":"h"},"","",{"process.pid":"1"},"process.exec"]\n' +
      '[2,"ab","cd","INFO",9,"ebpipe","b",{"host.name":"h"},"s","1",{"process.pid":"1"},"process.exec"]\n',
  );
  assert.equal(batch.rows, 2);
  for (const line of batch.payload.toString('utf8').trimEnd().split('\n')) {
    assert.equal((JSON.parse(line.replace(/^\[\d+,/, '[0,')) as unknown[]).length, INSERT_COLUMNS.length);
  }
});

test('a lone surrogate becomes U+FFFD; a literal backslash-u-d is left alone', () => {
  const batch = encodeRows([
    { ...base, body: 'x\uD800y', logAttributes: { '\uDC00': '\\ud800' } },
    { ...base, body: 'C:\\udev' },
  ]);
  const [first, second] = batch.payload
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l.replace(/^\[\d+,/, '[0,')) as unknown[]);
  assert.equal(first?.[6], 'x\uFFFDy');
  assert.deepEqual(first?.[10], { '\uFFFD': '\\ud800' });
  assert.equal(second?.[6], 'C:\\udev');
  assert.equal(batch.payload.includes(Buffer.from('\\ud800"')), true); // the literal text, escaped backslash
});

test('an empty or fully rejected batch encodes to an empty payload', () => {
  assert.deepEqual(encodeRows([]), { payload: Buffer.alloc(0), rows: 0, rejected: [] });
  const batch = encodeRows([{ ...base, severityNumber: -1 }]);
  assert.equal(batch.payload.length, 0);
  assert.deepEqual(batch.rejected, [{ index: 0, reason: 'severityNumber -1 is not an integer in 0..255' }]);
});

test('encoding in slices gives the same bytes and absolute rejection indices, and lets the event loop run', async () => {
  const rows = Array.from({ length: 5001 }, (_, i) => ({
    ...base,
    timestampNs: BigInt(i),
    body: `row ${i}`,
    severityNumber: i % 1999 === 7 ? 300 : 9,
  }));
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const sliced = await encodeRowsInSlices(rows);
  clearInterval(ticker);
  const whole = encodeRows(rows);
  assert.equal(sliced.payload.equals(whole.payload), true);
  assert.equal(sliced.rows, 4998);
  assert.deepEqual(
    sliced.rejected.map((r) => r.index),
    [7, 2006, 4005],
  );
  assert.deepEqual(sliced.rejected, whole.rejected);
  assert.ok(turns >= 1, 'a timer ran while the batch was encoded');
});
