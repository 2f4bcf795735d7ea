// The body of each event's log record: one line a person reads in a log view. The
// attributes carry the fields; nothing parses this.
import type { Event } from '../../events/model.js';

export function eventBody(event: Event): string {
  const p = event.process;
  const command = p.argv ? p.argv.join(' ') : (p.binary ?? p.comm);
  switch (event.kind) {
    case 'process.exec':
      return ['exec', event.binary, ...event.argv.slice(1)].join(' ');
    case 'process.exit':
      return event.signal
        ? `exit ${command} killed by signal ${event.signal}`
        : `exit ${command} code ${event.exitCode}`;
    case 'file.rename':
      return `rename ${event.oldPath} -> ${event.newPath} by ${command}`;
    case 'credentials.change':
      return `${event.syscall} uid ${event.before.uid}->${event.after.uid} euid ${event.before.euid}->${event.after.euid} by ${command}`;
    case 'module.load':
      return `module.load ${event.name || event.path} by ${command}`;
    case 'module.unload':
      return `module.unload ${event.name} by ${command}`;
    case 'policy.match':
      return `policy ${event.policy} ${event.actions.join('+')} ${event.file?.path ?? (event.connection ? `${event.connection.remote.address}:${event.connection.remote.port}` : '')} by ${command}`;
    case 'policy.summary':
      return `policy ${event.policy} matched ${event.count} times in ${event.windowMs} ms`;
    case 'policy.audit':
      return `policy ${event.action} ${event.policy} ${event.result} (${event.via})`;
    default:
      if ('remote' in event)
        return `${event.kind} ${event.local.address}:${event.local.port} -> ${event.remote.address}:${event.remote.port} by ${command}`;
      if ('path' in event) return `${event.kind} ${event.path} by ${command}`;
      return `${event.kind} ${command}`;
  }
}
