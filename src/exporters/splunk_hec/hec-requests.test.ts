import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitIntoRequests } from './hec-requests.js';

describe('splitIntoRequests', () => {
  it('fills each body up to the limit, one event a line, every event once and in order', () => {
    const events = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ event: `e${i}`, pad: 'x'.repeat(i % 97) }));
    const { requests, oversized } = splitIntoRequests(events, 4096);
    assert.equal(oversized, 0);
    assert.ok(requests.length > 1);
    for (const r of requests) assert.ok(r.body.length <= 4096, String(r.body.length));
    const lines = requests.flatMap((r) => r.body.toString().split('\n'));
    assert.deepEqual(lines, events);
    assert.deepEqual(
      requests.map((r) => r.events),
      requests.map((r) => r.body.toString().split('\n').length),
    );
    // Full: the next event would not have fitted.
    for (let i = 0, first = 0; i < requests.length - 1; first += requests[i]!.events, i++) {
      const next = events[first + requests[i]!.events]!;
      assert.ok(requests[i]!.body.length + 1 + Buffer.byteLength(next) > 4096);
    }
  });

  it('counts an event larger than the limit by itself and sends the rest', () => {
    const { requests, oversized } = splitIntoRequests(['"a"', `"${'é'.repeat(600)}"`, '"b"'], 1024);
    assert.equal(oversized, 1);
    assert.deepEqual(
      requests.map((r) => r.body.toString()),
      ['"a"\n"b"'],
    );
  });

  it('makes no request of nothing', () => {
    assert.deepEqual(splitIntoRequests([], 1024), { requests: [], oversized: 0 });
  });
});
