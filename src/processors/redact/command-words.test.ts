import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildProgramFlags, programName, scanCommandWords } from './command-words.js';
import { RedactConfigError } from './errors.js';

const programs = buildProgramFlags();

/** The secret substrings found in `words`, as `index:text`. */
function secrets(words: readonly string[], program?: string): string[] {
  const found: string[] = [];
  const flags = program === undefined ? undefined : programs.get(program);
  scanCommandWords(words, flags, programs, (i, s, e) => found.push(`${i}:${(words[i] ?? '').slice(s, e)}`));
  return found;
}

describe('scanCommandWords', () => {
  it('takes long secret options with = or the next word, for any program', () => {
    assert.deepEqual(secrets(['app', '--password', 'a', '--api-key=b', '--TOKEN', 'c', '-storepass', 'd']), [
      '2:a',
      '3:b',
      '5:c',
      '7:d',
    ]);
  });

  it('does not take an option-looking word as the value', () => {
    assert.deepEqual(secrets(['psql', '--password', '-h', 'db']), []);
    assert.deepEqual(secrets(['app', '--password', '--token', 't']), ['3:t']);
  });

  it('applies short options only for the program in force', () => {
    assert.deepEqual(secrets(['mysql', '-uroot', '-psecret', 'db'], 'mysql'), ['2:secret']);
    assert.deepEqual(secrets(['mysql', '-p', 'db'], 'mysql'), []);
    assert.deepEqual(secrets(['ssh', '-p', '22', 'host'], 'ssh'), []);
    assert.deepEqual(secrets(['sshpass', '-p', 'pw', 'ssh', 'h'], 'sshpass'), ['2:pw']);
  });

  it('switches program at a word naming one and clears it at a separator', () => {
    assert.deepEqual(secrets(['sudo', '/usr/bin/mysql', '-pfoo']), ['2:foo']);
    assert.deepEqual(secrets(['mysql', 'x', ';', 'tar', '-pxf', 'a.tar'], 'mysql'), []);
  });

  it('keeps the user of user:password values', () => {
    assert.deepEqual(secrets(['curl', '-u', 'bob:pw', '--user=al:x', '-ubo', 'https://h'], 'curl'), ['2:pw', '3:x']);
  });

  it('masks inside quotes only', () => {
    assert.deepEqual(secrets(['x', '--password="a b"']), ['1:a b']);
  });
});

describe('programName', () => {
  it('strips directories and shell openers', () => {
    assert.equal(programName('/usr/bin/mysql'), 'mysql');
    assert.equal(programName('$(mysql'), 'mysql');
    assert.equal(programName('mysql'), 'mysql');
  });
});

describe('buildProgramFlags', () => {
  it('adds, replaces and removes programs', () => {
    const table = buildProgramFlags({ vault: [{ flag: '-t', value: 'separate' }], mysql: [], sshpass: [] });
    assert.deepEqual(table.get('vault'), [{ flag: '-t', value: 'separate' }]);
    assert.equal(table.has('mysql'), false);
    assert.equal(table.has('mysqldump'), true);
  });

  it('rejects bad entries naming the field', () => {
    const bad = (overrides: Parameters<typeof buildProgramFlags>[0], field: string): void => {
      assert.throws(
        () => buildProgramFlags(overrides),
        (err: unknown) => err instanceof RedactConfigError && err.code === 'BAD_PROGRAM_FLAG' && err.field === field,
      );
    };
    bad({ '/bin/x': [] }, 'programFlags./bin/x');
    bad({ x: [{ flag: 'p', value: 'both' }] }, 'programFlags.x[0].flag');
    bad({ x: [{ flag: '-p', value: 'sometimes' as 'both' }] }, 'programFlags.x[0].value');
    bad({ x: [{ flag: '-p', value: 'both', part: 'half' as 'whole' }] }, 'programFlags.x[0].part');
  });
});
