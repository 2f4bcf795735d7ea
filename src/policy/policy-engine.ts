// The policy engine of one loaded `policy` sensor: the policy set (policy-set.ts) changed only
// through here, so that every change and every refused one goes into the audit trail; and on
// each tick the aggregation drain, the protected files' inodes and the counter mirror.
import type { Event } from '../events/model.js';
import type { NativeBpfObject } from '../kernel/native.js';
import type { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { AggregationDrain } from './aggregation-drain.js';
import { AuditTrail, reasonOf, type PolicyActor } from './audit-trail.js';
import { CounterMirror } from './counter-mirror.js';
import type { PolicyVariant } from './hooks.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyMaps, type HookCounts } from './policy-maps.js';
import { PolicyNotFoundError, PolicySet, type PolicyStatus } from './policy-set.js';

export interface PolicyEngineOptions {
  /** The loaded `policy` sensor (bpf/policy.bpf.c). */
  object: NativeBpfObject;
  variant: PolicyVariant;
  logger: Logger;
  /** Audit and summary events go into the pipeline through here. */
  emit(events: Event[]): void;
  /** Realtime minus boot time, for the events made in user space. */
  clockOffsetNs: bigint;
  cpus: number;
  counters?: CounterRegistry;
  /** How often aggregation counts are drained and protected files' inodes checked. */
  tickMs?: number;
}

export class PolicyEngine {
  private readonly policies: PolicySet;
  private readonly audit: AuditTrail;
  private readonly aggregation: AggregationDrain;
  private readonly mirror: CounterMirror | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(options: PolicyEngineOptions) {
    const maps = new PolicyMaps(options.object, options.cpus);
    this.policies = new PolicySet(maps, options.variant, options.logger);
    const emit = (events: Event[]) => options.emit(events);
    this.audit = new AuditTrail(options.logger, emit, options.clockOffsetNs);
    this.aggregation = new AggregationDrain({
      maps,
      selectorOf: (id, rule, selector) => this.policies.selectorOf(id, rule, selector),
      prefixOf: (id) => this.policies.prefixOf(id),
      logger: options.logger,
      emit,
      clockOffsetNs: options.clockOffsetNs,
      ...(options.counters && { counters: options.counters }),
    });
    this.mirror = options.counters && new CounterMirror(options.counters);
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 1000);
    this.timer.unref();
  }

  get variant(): PolicyVariant {
    return this.policies.variant;
  }

  /**
   * Adds the policy, or replaces the one of the same name from the same file. Nothing changes
   * when it is invalid or does not fit: the error says why, and an audit event records it.
   */
  apply(doc: PolicyDocument, actor: PolicyActor): PolicyStatus {
    const name = doc.policy.metadata.name;
    const action = this.policies.loaded(name) ? 'replace' : 'add';
    const change = { action, policy: name, file: doc.file, sha256: doc.sha256 } as const;
    try {
      const loaded = this.policies.apply(doc);
      this.audit.record(actor, { ...change, result: 'applied' });
      return this.policies.statusOf(loaded);
    } catch (err) {
      this.audit.record(actor, { ...change, result: 'rejected', reason: reasonOf(err) });
      throw err;
    }
  }

  /** Records a file that could not even be read as a policy (its name unknown). */
  rejected(file: string, err: Error, actor: PolicyActor): void {
    const action = this.policies.policyFromFile(file) !== undefined ? 'replace' : 'add';
    this.audit.record(actor, { action, result: 'rejected', policy: '', file, sha256: '', reason: reasonOf(err) });
  }

  delete(name: string, actor: PolicyActor): void {
    const existing = this.policies.loaded(name);
    if (!existing) {
      const err = new PolicyNotFoundError(`no policy named ${name} is loaded`);
      this.audit.record(actor, {
        action: 'delete',
        result: 'rejected',
        policy: name,
        file: '',
        sha256: '',
        reason: err.message,
      });
      throw err;
    }
    this.policies.remove(name);
    this.audit.record(actor, {
      action: 'delete',
      result: 'applied',
      policy: name,
      file: existing.file,
      sha256: existing.sha256,
    });
  }

  /** The policy a file holds, if one is loaded from it. */
  policyFromFile(file: string): string | undefined {
    return this.policies.policyFromFile(file);
  }

  list(): PolicyStatus[] {
    return this.policies.list();
  }

  /** The kernel's per-hook counters: operations seen, skipped, and not evaluated for want of scratch. */
  hookCounters(): Record<'file_open' | 'tcp_connect', HookCounts> {
    return this.policies.hookCounters();
  }

  /** Drains aggregation counts, emits the summaries that are due, re-checks protected files, mirrors counters. */
  private tick(): void {
    if (this.closed) return;
    this.aggregation.tick();
    this.policies.refreshIdentities();
    this.mirror?.update(this.policies.list());
  }

  /** Emits what aggregation still holds and stops the timers; the kernel object belongs to the caller. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.aggregation.close();
    this.closed = true;
  }
}
