// One short line per event, for people watching a terminal: an emoji per kind, the pid,
// the binary and its arguments, and for exits the code or the signal.
import { constants } from 'node:os';
import type { Event, ProcessRef } from '../../events/model.js';

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** Shell-style quoting, so that "c d" and '' read back as the arguments they were. */
export function quoteArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function commandLine(process: ProcessRef, binary: string | undefined, argv: readonly string[] | undefined): string {
  const shown = binary ?? `[${process.comm}]`;
  const args = argv && argv.length > 1 ? ` ${argv.slice(1).map(quoteArg).join(' ')}` : '';
  return `${shown}${args}`;
}

export function formatCompact(event: Event): string | null {
  const p = event.process;
  switch (event.kind) {
    case 'process.exec':
      return `🚀 exec  ${p.pid} ${commandLine(p, event.binary, event.argv)}${event.argvTruncated ? ' …' : ''}`;
    case 'process.exit': {
      const status = event.signal ? (SIGNAL_NAMES.get(event.signal) ?? `signal ${event.signal}`) : String(event.exitCode);
      return `💥 exit  ${p.pid} ${commandLine(p, p.binary, p.argv)} ${status}`;
    }
    case 'process.fork':
    case 'ebpipe.bench':
      return null;
  }
}
