// The agent's own log, on stderr (stdout carries events), level from EBPIPE_LOG_LEVEL: JSON
// lines for log collectors, or one short readable line each when stderr is a terminal.
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component']);

/** `12:00:01 warn  [ebpf] sensor unavailable sensor=modules reason="..."` from one pino JSON line. */
export function readableLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const time = new Date(Number(entry['time'])).toTimeString().slice(0, 8);
  const level = (LEVEL_NAMES[Number(entry['level'])] ?? String(entry['level'])).padEnd(5);
  const component = typeof entry['component'] === 'string' ? ` [${entry['component']}]` : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(
      ([key, value]) => `${key}=${typeof value === 'string' && !/\s|"/.test(value) ? value : JSON.stringify(value)}`,
    );
  const raw = entry['msg'] ?? '';
  const msg = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return `${time} ${level}${component} ${msg}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

const readableStderr: DestinationStream = {
  write(line: string) {
    writeSync(2, readableLine(line));
  },
};

export function createLogger(name = 'ebpipe'): Logger {
  const destination = process.stderr.isTTY ? readableStderr : pino.destination(2);
  return pino({ name, level: process.env['EBPIPE_LOG_LEVEL'] ?? 'info' }, destination);
}
