// Object names: a prefix, a time partition (strftime, in UTC) and a time-ordered unique id, so that
// names sort by time and never collide, whoever else writes under the same prefix.
import { randomBytes } from 'node:crypto';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dayOfYear(d: Date): number {
  return (
    Math.floor(
      (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000,
    ) + 1
  );
}

const CONVERSIONS: Readonly<Record<string, (d: Date) => string>> = {
  Y: (d) => String(d.getUTCFullYear()),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  j: (d) => pad(dayOfYear(d), 3),
  '%': () => '%',
};

/** The strftime conversions partitions may use; any other is a settings error. */
export const STRFTIME_CONVERSIONS = Object.keys(CONVERSIONS);

/** `format` with its strftime conversions (%Y %m %d %H %M %S %j %%) of `time`, in UTC. */
export function strftime(format: string, time: Date): string {
  return format.replace(/%(.)/g, (all, c: string) => CONVERSIONS[c]?.(time) ?? all);
}

/** Conversions in `format` that strftime() does not know, e.g. `%Q`. */
export function unknownConversions(format: string): string[] {
  return [...format.matchAll(/%(.)/g)].map((m) => m[1]!).filter((c) => !(c in CONVERSIONS));
}

/** A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by creation time. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Joins key parts with `/`, leaving out empty ones and the slashes they bring. */
export function joinKey(...parts: string[]): string {
  return parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');
}
