// Settings written with units: durations ("5s", "100ms", "1m30s", Go's syntax as in the
// OpenTelemetry Collector) parse to milliseconds, byte sizes ("8MiB", "256KiB", "10MB") to
// bytes. Components use `duration()` and `byteSize()` in their zod schemas.
import { z } from 'zod';
import { expectations, show } from './expectations.js';

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// Lower-case keys: sizes are read case-insensitively ("8mib" is 8MiB); decimal and binary
// prefixes stay distinct (MB = 10^6, MiB = 2^20).
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)([a-zµ]+)/gy;
const SIZE = /^(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)$/;

/** Milliseconds in a duration such as "1m30s" or "250ms"; undefined when it is not one. "0" is zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    const unit = DURATION_UNITS_MS[m[2] ?? ''];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    end = DURATION_PART.lastIndex;
  }
  return end > 0 && end === text.length ? total : undefined;
}

/** Bytes in a size such as "8MiB", "10MB" or "512"; undefined when it is not a whole number of bytes. */
export function parseByteSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Number(m[1]) * unit;
  const whole = Math.round(bytes);
  // Allow for binary floating point ("0.1KB"), not for fractions of a byte ("0.5B").
  if (Math.abs(bytes - whole) > 1e-6 || !Number.isSafeInteger(whole)) return undefined;
  return whole;
}

interface Bounds {
  min?: string;
  max?: string;
}

function checkBounds(value: number, bounds: Bounds, parse: (s: string) => number | undefined): string | undefined {
  if (bounds.min !== undefined && value < parse(bounds.min)!) return `at least ${bounds.min}`;
  if (bounds.max !== undefined && value > parse(bounds.max)!) return `at most ${bounds.max}`;
  return undefined;
}

function assertBounds(bounds: Bounds, parse: (s: string) => number | undefined, what: string): void {
  for (const b of [bounds.min, bounds.max]) {
    if (b !== undefined && parse(b) === undefined) throw new TypeError(`${what} bound "${b}" does not parse`);
  }
}

/** A duration, in milliseconds. A bare number is rejected: "5000" could mean ms or s. */
export function duration(bounds: Bounds = {}) {
  assertBounds(bounds, parseDuration, 'duration');
  const expected = 'a duration such as "5s", "100ms" or "1m30s"';
  const schema = z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) {
      const hint = typeof value === 'number' ? ' (add a unit)' : '';
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(value)}${hint}` });
      return z.NEVER;
    }
    const outside = checkBounds(ms, bounds, parseDuration);
    if (outside !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a duration of ${outside}, got ${show(value)}` });
      return z.NEVER;
    }
    return ms;
  });
  expectations.add(schema, { expected });
  return schema;
}

/** A size in bytes: a whole number of bytes, or a number with a unit (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB). */
export function byteSize(bounds: Bounds = {}) {
  assertBounds(bounds, parseByteSize, 'byte size');
  const expected = 'a size such as "8MiB", "256KiB", "10MB" or a number of bytes';
  const schema = z.union([z.string(), z.number()]).transform((value, ctx) => {
    const bytes =
      typeof value === 'number'
        ? Number.isSafeInteger(value) && value >= 0
          ? value
          : undefined
        : parseByteSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(value)}` });
      return z.NEVER;
    }
    const outside = checkBounds(bytes, bounds, parseByteSize);
    if (outside !== undefined) {
      ctx.addIssue({ code: 'custom', message: `expected a size of ${outside}, got ${show(value)}` });
      return z.NEVER;
    }
    return bytes;
  });
  expectations.add(schema, { expected });
  return schema;
}
