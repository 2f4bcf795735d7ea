// Events as JSON objects, one per line: wall-clock time first, bigints (bit masks) as hex.
import type { WallClock } from './clock.js';
import type { Event } from './model.js';

function replaceBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

export function toJsonLine(event: Event, clock: WallClock): string {
  return JSON.stringify({ time: clock.iso(event.origin.ktime), ...event }, replaceBigint);
}
