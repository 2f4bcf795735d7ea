// What a setting expects, in words: custom schemas register it here (a duration is a string or
// a number to zod, which says little), and the config loader reads it back to say what was
// expected; `show` is how an error message quotes the value that was written instead.
import { z } from 'zod';

/** Registered by the schema's author: `expectations.add(s, { expected })`. */
export const expectations = z.registry<{ expected: string }>();

/** A written value, as an error message shows it. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string')
    return value.length > 60 ? `${JSON.stringify(value.slice(0, 57))}...` : JSON.stringify(value);
  if (typeof value === 'number') return Number.isNaN(value) ? '.nan' : String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : typeof value;
}
