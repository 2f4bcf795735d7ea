/**
 * Who holds a store's data directory. The engine takes an exclusive flock on `<path>/status` for as long as a
 * process has the directory open, and chdb reports only "failed to create connection" when it is taken; the
 * kernel's lock table names the holder, which turns that into an error a person can act on.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Linux's dev_t split (see <sys/sysmacros.h>); /proc/locks prints major:minor in hex.
function deviceId(dev: number): string {
  const big = BigInt(dev);
  const major = ((big >> 8n) & 0xfffn) | ((big >> 32n) & ~0xfffn);
  const minor = (big & 0xffn) | ((big >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** The pid holding the engine's lock on the data directory at `path`, or undefined when nobody (or unknowable). */
export function storeLockHolder(path: string): number | undefined {
  let target: string;
  let table: string;
  try {
    const status = statSync(join(path, 'status'));
    target = `${deviceId(status.dev)}:${status.ino}`;
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return undefined;
  }
  // e.g. "1: FLOCK  ADVISORY  WRITE 2040 fe:00:9978752 0 EOF"
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === 'FLOCK' && fields[5] === target) return Number(fields[4]);
  }
  return undefined;
}
