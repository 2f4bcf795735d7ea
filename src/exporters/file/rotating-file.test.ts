import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BackupNames } from './backup-name.js';
import { FileOperationError, RotatingFile, type RotationPolicy } from './rotating-file.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0, 0);

function fresh(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-rotate-'));
  return { dir, path: join(dir, 'events.ndjson') };
}

/** Line i, exactly `width` bytes with its newline. */
function line(i: number, width = 30): string {
  return `{"n":${i}}`.padEnd(width - 1, ' ') + '\n';
}

/** Backups oldest first, then the active file: what a reader concatenates to get everything. */
function filesInOrder(dir: string, path: string): string[] {
  const names = new BackupNames(path, false);
  const backups = readdirSync(dir)
    .map((name) => ({ name, time: names.timeOf(name) }))
    .filter((b): b is { name: string; time: number } => b.time !== undefined)
    .sort((a, b) => a.time - b.time)
    .map((b) => join(dir, b.name));
  return [...backups, path];
}

function clock(start = T0): { now: () => number; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms) };
}

async function opened(path: string, policy: Partial<RotationPolicy>, now = clock().now): Promise<RotatingFile> {
  const file = new RotatingFile(path, { maxBackups: 0, localtime: false, ...policy }, { now });
  await file.open();
  return file;
}

describe('rotating file', () => {
  test('rotates by size between lines: no file passes the limit, nothing is lost or reordered', async () => {
    const { dir, path } = fresh();
    const file = await opened(path, { maxBytes: 100 });
    const all: string[] = [];
    for (let i = 0; i < 7; i++) {
      all.push(line(i));
      await file.write(Buffer.from(line(i)));
    }
    const batch = Array.from({ length: 6 }, (_, k) => line(7 + k));
    all.push(...batch);
    await file.write(Buffer.from(batch.join('')));
    await file.close();
    const files = filesInOrder(dir, path);
    const contents = files.map((f) => readFileSync(f, 'utf8'));
    assert.equal(contents.join(''), all.join(''));
    // Clock never moved: backup names still differ (1 ms apart) and none was overwritten.
    assert.equal(files.length, 5);
    assert.deepEqual(
      contents.map((c) => c.length),
      [90, 90, 90, 90, 30],
    );
    assert.equal(files[0], new BackupNames(path, false).pathFor(T0));
    assert.equal(files[1], new BackupNames(path, false).pathFor(T0 + 1));
    assert.equal(statSync(path).mode & 0o777, 0o600, 'new files are private to the agent');
  });

  test('a line longer than the limit gets a file of its own', async () => {
    const { dir, path } = fresh();
    const file = await opened(path, { maxBytes: 50 });
    await file.write(Buffer.from(line(1)));
    await file.write(Buffer.from(line(2, 120) + line(3)));
    await file.close();
    const contents = filesInOrder(dir, path).map((f) => readFileSync(f, 'utf8'));
    assert.deepEqual(contents, [line(1), line(2, 120), line(3)]);
  });

  test('rotates by time: a write after the interval starts a new file, named for the rotation time', async () => {
    const { dir, path } = fresh();
    const c = clock();
    const file = await opened(path, { intervalMs: 1000 }, c.now);
    await file.write(Buffer.from(line(1)));
    c.set(T0 + 999);
    await file.write(Buffer.from(line(2)));
    c.set(T0 + 1000);
    await file.write(Buffer.from(line(3)));
    const names = new BackupNames(path, false);
    assert.equal(readFileSync(names.pathFor(T0 + 1000), 'utf8'), line(1) + line(2));
    assert.equal(readFileSync(path, 'utf8'), line(3));
    // The timer's check: a quiet, non-empty file rotates when due; an empty one does not.
    c.set(T0 + 2500);
    await file.rotateIfDue();
    assert.equal(readFileSync(names.pathFor(T0 + 2500), 'utf8'), line(3));
    assert.equal(readFileSync(path, 'utf8'), '');
    c.set(T0 + 9000);
    await file.rotateIfDue();
    await file.close();
    assert.equal(readdirSync(dir).length, 3);
  });

  test('keeps max_backups backups, newest first, and leaves other files alone', async () => {
    const { dir, path } = fresh();
    writeFileSync(join(dir, 'unrelated.log'), 'x');
    const c = clock();
    const file = await opened(path, { maxBytes: 30, maxBackups: 2 }, c.now);
    for (let i = 0; i < 6; i++) {
      c.set(T0 + i * 1000);
      await file.write(Buffer.from(line(i)));
    }
    await file.close();
    const names = new BackupNames(path, false);
    assert.deepEqual(
      readdirSync(dir).sort(),
      [
        'events.ndjson',
        'unrelated.log',
        'events-2024-05-01T12-00-04.000.ndjson',
        'events-2024-05-01T12-00-05.000.ndjson',
      ].sort(),
    );
    assert.equal(readFileSync(names.pathFor(T0 + 5000), 'utf8'), line(4));
    assert.equal(readFileSync(path, 'utf8'), line(5));
  });

  test('removes backups older than the maximum age, at start and after each rotation; rotation times stay after existing ones', async () => {
    const { dir, path } = fresh();
    const names = new BackupNames(path, false);
    const day = 86_400_000;
    for (const age of [10 * day, 3 * day, day / 2]) writeFileSync(names.pathFor(T0 - age), 'old\n');
    writeFileSync(names.pathFor(T0 + 5000), 'from a clock that ran ahead\n');
    const c = clock();
    const file = await opened(path, { maxBytes: 30, maxAgeMs: 2 * day }, c.now);
    assert.deepEqual(
      readdirSync(dir).sort(),
      ['events.ndjson', 'events-2024-05-01T00-00-00.000.ndjson', 'events-2024-05-01T12-00-05.000.ndjson'].sort(),
    );
    await file.write(Buffer.from(line(1) + line(2)));
    assert.equal(readFileSync(names.pathFor(T0 + 5001), 'utf8'), line(1), 'not written over the existing backup');
    c.set(T0 + 2 * day);
    await file.write(Buffer.from(line(3)));
    await file.close();
    assert.deepEqual(
      readdirSync(dir).sort(),
      [
        'events.ndjson',
        'events-2024-05-01T12-00-05.000.ndjson',
        'events-2024-05-01T12-00-05.001.ndjson',
        'events-2024-05-03T12-00-00.000.ndjson',
      ].sort(),
    );
  });

  test('appends to an existing file, counts its size toward the limit, and keeps its mode', async () => {
    const { dir, path } = fresh();
    writeFileSync(path, line(0) + line(1), { mode: 0o640 });
    const file = await opened(path, { maxBytes: 90 });
    await file.write(Buffer.from(line(2) + line(3)));
    await file.close();
    assert.deepEqual(
      filesInOrder(dir, path).map((f) => readFileSync(f, 'utf8')),
      [line(0) + line(1) + line(2), line(3)],
    );
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  test('a full disk is an error with the errno code, the file and the cause', async () => {
    const file = new RotatingFile('/dev/full', { maxBackups: 0, localtime: false });
    await file.open();
    await assert.rejects(file.write(Buffer.from(line(1))), (err: unknown) => {
      assert.ok(err instanceof FileOperationError);
      assert.equal(err.code, 'ENOSPC');
      assert.equal(err.message, 'writing /dev/full: no space left on device');
      return true;
    });
    await file.close();
  });

  test('a directory that cannot be created fails open with the directory and the cause', async () => {
    const { dir } = fresh();
    writeFileSync(join(dir, 'plain-file'), '');
    const file = new RotatingFile(join(dir, 'plain-file', 'sub', 'events.ndjson'), { maxBackups: 0, localtime: false });
    await assert.rejects(file.open(), (err: unknown) => {
      assert.ok(err instanceof FileOperationError);
      assert.equal(err.code, 'ENOTDIR');
      assert.equal(err.message, `creating directory ${join(dir, 'plain-file', 'sub')}: not a directory`);
      return true;
    });
  });
});
