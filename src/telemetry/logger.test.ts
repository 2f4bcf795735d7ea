import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readableLine } from './logger.js';

test('a pino line reads as time, level, component, message and fields', () => {
  const line = readableLine(
    JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 1, 12, 0, 1),
      pid: 1,
      hostname: 'h',
      name: 'ebpipe',
      component: 'ebpf',
      sensor: 'modules',
      reason: 'no module support',
      msg: 'sensor unavailable',
    }),
  );
  assert.match(line, /^\d\d:\d\d:\d\d warn  \[ebpf\] sensor unavailable sensor=modules reason="no module support"\n$/);
});
