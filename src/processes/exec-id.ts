// Exec ids: one opaque string per process image, unique on a host across pid reuse and
// reboots, and comparable across hosts.
//
// Format: base64url (no padding) of `<host>:<boot>:<timeNs>:<pid>`, where
//   host   the host name (no ':' can occur in one),
//   boot   the first 16 hex digits of /proc/sys/kernel/random/boot_id, so that times,
//          which restart at zero, cannot collide across reboots,
//   timeNs when the image began on the boot clock, in ns: the exec's kernel time for an
//          image seen at exec, the process start time for a process seen at fork, and the
//          start time from /proc/PID/stat (clock ticks, so a multiple of 10 ms) for a
//          process found in /proc,
//   pid    the thread group id.
// A pid cannot be reused within one clock tick, so (pid, timeNs) is unique even where
// timeNs is only tick-precise.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** `<host>:<boot>`, the prefix every exec id of this boot of this host shares. */
export function hostIdentity(bootIdFile = '/proc/sys/kernel/random/boot_id'): string {
  const bootId = readFileSync(bootIdFile, 'utf8').trim().replaceAll('-', '').slice(0, 16);
  return `${hostname()}:${bootId}`;
}

export function formatExecId(host: string, timeNs: number, pid: number): string {
  return Buffer.from(`${host}:${timeNs}:${pid}`).toString('base64url');
}

export interface ExecIdParts {
  host: string;
  timeNs: number;
  pid: number;
}

/** The parts of an exec id, for tools and tests; undefined for a string that is not one. */
export function parseExecId(execId: string): ExecIdParts | undefined {
  const match = /^(.+):(\d+):(\d+)$/.exec(Buffer.from(execId, 'base64url').toString());
  if (!match) return undefined;
  return { host: match[1]!, timeNs: Number(match[2]), pid: Number(match[3]) };
}
