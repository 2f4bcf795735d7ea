/**
 * Where an INSERT's payload waits for the engine. chdb takes binary data only from a file (`INSERT ... FROM
 * INFILE`), so each payload is written to one, read by the engine and removed. The directory is in memory
 * (/dev/shm) where there is one, private to this process (mode 0700: events carry command lines), and
 * removed at close.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function memoryDirectory(): string {
  try {
    if (statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    // no tmpfs here: the system's temporary directory will do
  }
  return tmpdir();
}

/** A path as a ClickHouse string literal. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export class PayloadSpool {
  readonly directory = mkdtempSync(join(memoryDirectory(), 'ebpipe-insert-'));
  #next = 0;

  /** Writes `payload` to a fresh file, runs `use` on its path, then removes the file. */
  async with<T>(payload: Buffer, use: (path: string) => Promise<T>): Promise<T> {
    const path = join(this.directory, `${process.pid}-${this.#next++}`);
    await writeFile(path, payload, { mode: 0o600 });
    try {
      return await use(path);
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  close(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
