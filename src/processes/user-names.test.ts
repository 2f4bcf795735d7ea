import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parsePasswd, UserNames } from './user-names.js';

describe('parsePasswd', () => {
  test('names by uid; comments, blank and NIS lines skipped, malformed lines counted, the first entry wins', () => {
    const parsed = parsePasswd(
      [
        '# local users',
        'root:x:0:0:root:/root:/bin/bash',
        '',
        'toor:x:0:0:second root:/root:/bin/sh',
        'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
        'broken line',
        'bob:x:notanumber:1000::/home/bob:/bin/sh',
        '+@netgroup::::::',
        '-mallory',
      ].join('\n'),
    );
    assert.deepEqual(
      [...parsed.names],
      [
        [0, 'root'],
        [1000, 'alice'],
      ],
    );
    assert.equal(parsed.malformedLines, 2);
  });
});

describe('UserNames', () => {
  test('reads the file again when it is replaced, not before the check interval', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpipe-passwd-'));
    const path = join(dir, 'passwd');
    writeFileSync(path, 'alice:x:1000:1000::/home/alice:/bin/bash\n');
    let now = 0;
    const users = new UserNames({ path, checkIntervalMs: 1000, now: () => now });
    assert.equal(users.nameOf(1000), 'alice');
    assert.equal(users.nameOf(1001), undefined, 'a uid without an entry has no name');
    // useradd's way: write a new file, rename it over the old one.
    writeFileSync(
      join(dir, 'passwd.new'),
      'alice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n',
    );
    renameSync(join(dir, 'passwd.new'), path);
    now = 500;
    assert.equal(users.nameOf(1001), undefined, 'not checked again within the interval');
    now = 1000;
    assert.equal(users.nameOf(1001), 'bob');
    now = 5000;
    users.nameOf(0);
    assert.equal(users.stats().loads, 2, 'an unchanged file is not read again');
  });

  test('an unreadable file gives no names and is counted once', () => {
    let now = 0;
    const users = new UserNames({ path: '/nonexistent/passwd', checkIntervalMs: 1, now: () => now });
    assert.equal(users.nameOf(0), undefined);
    now = 10;
    users.nameOf(0);
    assert.equal(users.stats().readErrors, 1);
  });
});
