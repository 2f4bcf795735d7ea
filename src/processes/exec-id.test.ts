import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatExecId, hostIdentity, parseExecId } from './exec-id.js';

describe('exec ids', () => {
  test('base64url of host:boot:time:pid, and back', () => {
    const id = formatExecId('web-1:c62d58ce79134538', 1_234_567_890_123, 4242);
    assert.equal(Buffer.from(id, 'base64url').toString(), 'web-1:c62d58ce79134538:1234567890123:4242');
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(parseExecId(id), { host: 'web-1:c62d58ce79134538', timeNs: 1_234_567_890_123, pid: 4242 });
  });

  test('a different time or pid is a different id', () => {
    const ids = new Set([
      formatExecId('h:b', 1, 2),
      formatExecId('h:b', 12, 2),
      formatExecId('h:b', 1, 22),
      formatExecId('h:b', 11, 2),
    ]);
    assert.equal(ids.size, 4);
  });

  test('the host part is the host name and the first 16 hex digits of the boot id', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ebpipe-boot-')), 'boot_id');
    writeFileSync(file, 'c62d58ce-7913-4538-ada4-3fad89c4a3e8\n');
    assert.equal(hostIdentity(file), `${hostname()}:c62d58ce79134538`);
  });

  test('parseExecId rejects what is not an exec id', () => {
    assert.equal(parseExecId(Buffer.from('no colons').toString('base64url')), undefined);
  });
});
