// Events as JSON objects, one per line: wall-clock time first, bigints (bit masks) as hex.
import { isoTime } from './clock.js';
import type { Event } from './model.js';

function replacer(key: string, value: unknown): unknown {
  if (key === 'clockOffsetNs') return undefined; // folded into `time`
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

export function toJsonLine(event: Event): string {
  return JSON.stringify({ time: isoTime(event.origin), ...event }, replacer);
}
