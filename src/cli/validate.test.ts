import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { componentRegistry } from '../components/registry.js';
import { projectRoot } from '../common/paths.js';
import { validateFiles } from './validate.js';

const fixture = (kind: 'good' | 'bad', name: string) => join(projectRoot, 'test', 'fixtures', 'config', kind, name);

function capture() {
  const lines = { out: [] as string[], err: [] as string[] };
  const io = {
    out: { write: (t: string) => lines.out.push(...t.split('\n').filter(Boolean)) },
    err: { write: (t: string) => lines.err.push(...t.split('\n').filter(Boolean)) },
  };
  return { lines, io };
}

describe('validateFiles', () => {
  it('prints FILE: ok and the warnings for a valid file, and returns 0', () => {
    const { lines, io } = capture();
    const file = fixture('good', 'full.yaml');
    assert.equal(validateFiles([file], componentRegistry, io, { EBPIPE_DIR: '/d' }), 0);
    assert.deepEqual(lines.out, [
      `${file}: ok (2 warnings)`,
      `${file}:20:3: processors.redact/unused: warning: defined but not used in any pipeline`,
      `${file}:41:3: connectors.routing/spare: warning: defined but not used in any pipeline`,
    ]);
    assert.deepEqual(lines.err, []);
  });

  it('prints every error of every invalid file, goes on with the rest, and returns 1', () => {
    const { lines, io } = capture();
    const bad = fixture('bad', 'duplicate-keys.yaml');
    const good = fixture('good', 'minimal.yaml');
    assert.equal(validateFiles([bad, '/nonexistent.yaml', good], componentRegistry, io, {}), 1);
    assert.deepEqual(lines.err, [
      `${bad}:7:5: receivers.replay.path: duplicate key "path" (first written at line 6)`,
      `${bad}:10:3: exporters.console: duplicate key "console" (first written at line 9)`,
      '/nonexistent.yaml: reading the file: no such file',
    ]);
    assert.deepEqual(lines.out, [`${good}: ok`]);
  });
});

describe('ebpipe validate', () => {
  const ebpipe = (...args: string[]) =>
    spawnSync(process.execPath, [join(projectRoot, 'bin', 'ebpipe.js'), ...args], { encoding: 'utf8' });

  it('exits 1 and prints positioned errors for an invalid file', () => {
    const file = fixture('bad', 'yaml-tabs.yaml');
    const run = ebpipe('validate', file);
    assert.equal(run.status, 1);
    assert.equal(run.stderr, `${file}:4:1: tabs are not allowed as indentation\n`);
    assert.equal(run.stdout, '');
  });

  it('documents itself and its exit codes under --help', () => {
    const run = ebpipe('validate', '--help');
    assert.equal(run.status, 0);
    assert.match(run.stdout, /Usage: ebpipe validate \[options\] <files\.\.\.>/);
    assert.match(run.stdout, /Exit codes: 0 every file is valid, 1 at least one file is invalid, 2 usage error/);
  });

  it('exits 2 without a file', () => {
    const run = ebpipe('validate');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /missing required argument 'files'/);
  });
});
