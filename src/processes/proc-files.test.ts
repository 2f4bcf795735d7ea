import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseCmdline, parseProcStat, parseStatusUid } from './proc-files.js';

describe('parseProcStat', () => {
  test('counts fields from the last parenthesis, so a comm with spaces and parentheses cannot shift them', () => {
    const rest = Array.from({ length: 17 }, (_, i) => String(i + 5)).join(' ');
    const stat = parseProcStat(`4242 (a) b (c) S 17 ${rest} 987654 0 0\n`);
    assert.deepEqual(stat, { comm: 'a) b (c', state: 'S', ppid: 17, startTicks: 987654 });
  });

  test("reads this process's own stat", () => {
    const stat = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
    assert.equal(stat?.ppid, process.ppid);
    assert.ok((stat?.startTicks ?? 0) > 0);
  });

  test('undefined for text that is not a stat line', () => {
    assert.equal(parseProcStat(''), undefined);
    assert.equal(parseProcStat('12 (x) S'), undefined);
    assert.equal(parseProcStat('12 x S 1 2 3'), undefined);
  });
});

describe('parseStatusUid', () => {
  test('the real uid, first of the four', () => {
    assert.equal(parseStatusUid('Name:\tsu\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n'), 1000);
    assert.equal(parseStatusUid('Name:\tx\n'), undefined);
  });
});

describe('parseCmdline', () => {
  test('NUL-terminated arguments, empty ones kept', () => {
    assert.deepEqual(parseCmdline('sh\0-c\0\0echo hi\0'), ['sh', '-c', '', 'echo hi']);
    assert.deepEqual(parseCmdline('nginx: worker process'), ['nginx: worker process'], 'rewritten by setproctitle');
    assert.equal(parseCmdline(''), undefined, 'kernel threads and zombies');
  });
});
