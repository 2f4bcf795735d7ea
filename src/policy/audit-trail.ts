// The audit trail of policy changes: an event and a log line for every change and every refused
// one, naming who asked (the control socket's peer, or the agent for its policy directory).
import { userSpaceOrigin } from '../events/clock.js';
import type { Event } from '../events/model.js';
import type { PolicyAuditEvent } from '../events/policy-events.js';
import type { ProcessRef } from '../events/references.js';
import { UserNames } from '../processes/user-names.js';
import type { Logger } from '../telemetry/logger.js';
import { PolicyFileError } from './policy-document.js';

/** Who asked for a change: the control socket's peer, or the agent itself. */
export interface PolicyActor {
  via: PolicyAuditEvent['via'];
  pid: number;
  uid: number;
  user?: string;
}

export type PolicyChange = Omit<PolicyAuditEvent, 'kind' | 'origin' | 'process' | 'via'>;

export class AuditTrail {
  private readonly users = new UserNames();

  constructor(
    private readonly logger: Logger,
    private readonly emit: (events: Event[]) => void,
    private readonly clockOffsetNs: bigint,
  ) {}

  record(actor: PolicyActor, change: PolicyChange): void {
    const user = actor.user ?? this.users.nameOf(actor.uid);
    const process: ProcessRef = {
      pid: actor.pid,
      tid: actor.pid,
      startNs: 0,
      comm: '',
      uid: actor.uid,
      ...(user && { user }),
    };
    const event: PolicyAuditEvent = {
      kind: 'policy.audit',
      origin: userSpaceOrigin(this.clockOffsetNs),
      process,
      via: actor.via,
      ...change,
    };
    const log = change.result === 'applied' ? this.logger.info.bind(this.logger) : this.logger.error.bind(this.logger);
    log(
      {
        policy: change.policy,
        file: change.file,
        sha256: change.sha256,
        via: actor.via,
        uid: actor.uid,
        pid: actor.pid,
        reason: change.reason,
      },
      `policy ${change.action} ${change.result}`,
    );
    this.emit([event]);
  }
}

/** Why a change was refused, for the audit event: a policy file's problems one per line, else the message. */
export function reasonOf(err: unknown): string {
  if (err instanceof PolicyFileError)
    return err.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .join('\n');
  return (err as Error).message;
}
