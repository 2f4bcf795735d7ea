import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BackupNames } from './backup-name.js';

const T = Date.UTC(2022, 8, 14, 5, 2, 14, 173);

describe('backup names', () => {
  test('the rotation time goes before the extension, in UTC by default', () => {
    const names = new BackupNames('/var/log/ebpipe/events.ndjson', false);
    assert.equal(names.pathFor(T), '/var/log/ebpipe/events-2022-09-14T05-02-14.173.ndjson');
    assert.equal(names.timeOf('events-2022-09-14T05-02-14.173.ndjson'), T);
  });

  test('a name without an extension gets the time at the end', () => {
    const names = new BackupNames('/data/out', false);
    assert.equal(names.pathFor(T), '/data/out-2022-09-14T05-02-14.173');
    assert.equal(names.timeOf('out-2022-09-14T05-02-14.173'), T);
  });

  test('local time names read back to the same instant', () => {
    const names = new BackupNames('/d/e.json', true);
    const d = new Date(T);
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}T${String(d.getHours()).padStart(2, '0')}`;
    assert.ok(names.pathFor(T).startsWith(`/d/e-${local}-`), names.pathFor(T));
    assert.equal(names.timeOf(names.pathFor(T).slice('/d/'.length)), T);
  });

  test('other files in the directory are not backups', () => {
    const names = new BackupNames('/d/events.ndjson', false);
    for (const other of [
      'events.ndjson',
      'events-2022-09-14T05-02-14.ndjson',
      'other-2022-09-14T05-02-14.173.ndjson',
      'events-2022-09-14T05-02-14.173.json',
      'events-x.ndjson',
    ]) {
      assert.equal(names.timeOf(other), undefined, other);
    }
  });
});
