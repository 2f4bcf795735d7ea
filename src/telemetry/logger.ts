// The agent's own log: JSON lines on stderr (stdout carries events), level from EBPIPE_LOG_LEVEL.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name = 'ebpipe'): Logger {
  return pino({ name, level: process.env['EBPIPE_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
}
