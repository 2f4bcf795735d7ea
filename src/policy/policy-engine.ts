// The policies in force on this host: adds, replaces and deletes them as whole generations of
// kernel map entries (each change validated and compiled first, then switched to atomically),
// says in the log which kernel mechanism every hook got, records an audit event for every
// change and every refused one, turns the kernel's aggregation counts into summary events, and
// keeps the inodes of protected files current.
import type { Event } from '../events/model.js';
import type { PolicyAuditEvent } from '../events/policy-events.js';
import type { ProcessRef, RecordOrigin } from '../events/references.js';
import type { NativeBpfObject } from '../kernel/native.js';
import type { Counter, CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { AggregationCollector, type AggregateSelector } from './aggregation.js';
import { FileIdentities } from './file-identities.js';
import { mechanismOf, type PolicyVariant } from './hooks.js';
import type { PolicyDocument } from './policy-document.js';
import { PolicyFileError } from './policy-document.js';
import { buildGeneration, PolicyCapacityError } from './policy-generation.js';
import { PolicyMaps, type HookCounts, type RuleCounts } from './policy-maps.js';
import { planPolicy, type PolicyPlan } from './policy-plan.js';
import { PolicyHook } from '../events/generated/abi.js';
import { UserNames } from '../processes/user-names.js';
import { EbpipeError } from '../common/errors.js';

/** Who asked for a change: the control socket's peer, or the agent itself. */
export interface PolicyActor {
  via: PolicyAuditEvent['via'];
  pid: number;
  uid: number;
  user?: string;
}

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

export class PolicyConflictError extends EbpipeError {
  override readonly name = 'PolicyConflictError';
  constructor(message: string) {
    super('POLICY_CONFLICT', 'configuring', message);
  }
}

export class PolicyNotFoundError extends EbpipeError {
  override readonly name = 'PolicyNotFoundError';
  constructor(message: string) {
    super('POLICY_NOT_FOUND', 'configuring', message);
  }
}

interface LoadedPolicy {
  id: number;
  name: string;
  file: string;
  sha256: string;
  plan: PolicyPlan;
}

export interface PolicyHookStatus {
  /** As the policy names it: `kprobe security_file_open`. */
  hook: string;
  /** What the kernel runs for it here. */
  mechanism: string;
  note?: string;
  counts: RuleCounts;
}

export interface PolicyStatus {
  name: string;
  id: number;
  file: string;
  sha256: string;
  hooks: PolicyHookStatus[];
}

const ZERO_COUNTS: RuleCounts = {
  evaluated: 0,
  matched: 0,
  posted: 0,
  rateLimited: 0,
  aggregated: 0,
  aggregateOverflow: 0,
  signalled: 0,
  signalFailed: 0,
  overridden: 0,
};

function addCounts(a: RuleCounts, b: RuleCounts): RuleCounts {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof RuleCounts)[]) out[k] += b[k];
  return out;
}

/** Grace for evaluations that read the aggregation epoch just before it flipped. */
const EPOCH_GRACE_MS = 20;

export class PolicyEngine {
  private policies = new Map<string, LoadedPolicy>();
  private nextId = 1;
  private readonly maps: PolicyMaps;
  private readonly identities = new FileIdentities();
  private readonly prefixIds = new Map<string, number>();
  private readonly prefixes: string[] = [''];
  /** Every policy id given out, so counts drained after a policy changed still find their selector. */
  private readonly history = new Map<number, { name: string; plan: PolicyPlan }>();
  /** Counters of rules whose kernel slots were reused, by `${policyId}:${ruleIndex}`. */
  private readonly folded = new Map<string, RuleCounts>();
  private readonly aggregation: AggregationCollector;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly users = new UserNames();

  constructor(private readonly options: PolicyEngineOptions) {
    this.maps = new PolicyMaps(options.object, options.cpus);
    this.aggregation = new AggregationCollector(
      (id, rule, selector) => this.selectorOf(id, rule, selector),
      (id) => this.prefixes[id],
    );
    this.timer = setInterval(() => this.tick(), options.tickMs ?? 1000);
    this.timer.unref();
  }

  get variant(): PolicyVariant {
    return this.options.variant;
  }

  /**
   * Adds the policy, or replaces the one of the same name from the same file. Nothing changes
   * when it is invalid or does not fit: the error says why, and an audit event records it.
   */
  apply(doc: PolicyDocument, actor: PolicyActor): PolicyStatus {
    const name = doc.policy.metadata.name;
    const existing = this.policies.get(name);
    const action = existing ? 'replace' : 'add';
    try {
      if (existing && existing.file !== doc.file) {
        throw new PolicyConflictError(`policy ${name} is already loaded from ${existing.file}: delete it first`);
      }
      const plan = planPolicy(doc, this.options.variant);
      const next = new Map(this.policies);
      // A file whose policy changed its name replaces its old policy.
      for (const [other, p] of next) if (p.file === doc.file && other !== name) next.delete(other);
      const loaded: LoadedPolicy = { id: this.nextId++, name, file: doc.file, sha256: doc.sha256, plan };
      next.set(name, loaded);
      this.install(next);
      this.history.set(loaded.id, { name, plan });
      for (const rule of plan.rules) {
        this.options.logger.info(
          {
            policy: name,
            hook: rule.hook.title,
            mechanism: mechanismOf(rule.hook.kernelHook, this.options.variant),
            note: rule.hook.note,
          },
          'policy hook attached',
        );
      }
      this.audit(actor, { action, result: 'applied', policy: name, file: doc.file, sha256: doc.sha256 });
      return this.statusOf(loaded);
    } catch (err) {
      this.audit(actor, {
        action,
        result: 'rejected',
        policy: name,
        file: doc.file,
        sha256: doc.sha256,
        reason: reasonOf(err),
      });
      throw err;
    }
  }

  /** Records a file that could not even be read as a policy (its name unknown). */
  rejected(file: string, err: Error, actor: PolicyActor): void {
    const action = [...this.policies.values()].some((p) => p.file === file) ? 'replace' : 'add';
    this.audit(actor, { action, result: 'rejected', policy: '', file, sha256: '', reason: reasonOf(err) });
  }

  delete(name: string, actor: PolicyActor): void {
    const existing = this.policies.get(name);
    if (!existing) {
      const err = new PolicyNotFoundError(`no policy named ${name} is loaded`);
      this.audit(actor, {
        action: 'delete',
        result: 'rejected',
        policy: name,
        file: '',
        sha256: '',
        reason: err.message,
      });
      throw err;
    }
    const next = new Map(this.policies);
    next.delete(name);
    this.install(next);
    this.audit(actor, {
      action: 'delete',
      result: 'applied',
      policy: name,
      file: existing.file,
      sha256: existing.sha256,
    });
  }

  /** The policy a file holds, if one is loaded from it. */
  policyFromFile(file: string): string | undefined {
    for (const p of this.policies.values()) if (p.file === file) return p.name;
    return undefined;
  }

  list(): PolicyStatus[] {
    return [...this.policies.values()].map((p) => this.statusOf(p));
  }

  /** The kernel's per-hook counters: operations seen, skipped, and not evaluated for want of scratch. */
  hookCounters(): Record<'file_open' | 'tcp_connect', HookCounts> {
    return {
      file_open: this.maps.hookCounters(PolicyHook.HOOK_FILE_OPEN),
      tcp_connect: this.maps.hookCounters(PolicyHook.HOOK_TCP_CONNECT),
    };
  }

  /** Builds and switches to the generation of `next`; `this.policies` changes only when that worked. */
  private install(next: Map<string, LoadedPolicy>): void {
    const plans = [...next.values()];
    this.identities.refresh(
      plans.flatMap((p) => p.plan.filePaths),
      plans.flatMap((p) => p.plan.binaryPaths),
    );
    const generation = buildGeneration({
      policies: plans.map((p) => ({ id: p.id, plan: p.plan })),
      fileIdentities: this.identities.fileIdentities,
      binaryIdentities: this.identities.binaryIdentities,
      prefixId: (prefix) => this.prefixId(prefix),
    });
    for (const c of this.maps.install(generation)) {
      const key = `${c.policyId}:${c.ruleIndex}`;
      this.folded.set(key, addCounts(this.folded.get(key) ?? ZERO_COUNTS, c.counts));
    }
    this.policies = next;
  }

  private prefixId(prefix: string): number {
    let id = this.prefixIds.get(prefix);
    if (id === undefined) {
      id = this.prefixes.length;
      this.prefixes.push(prefix);
      this.prefixIds.set(prefix, id);
    }
    return id;
  }

  private statusOf(p: LoadedPolicy): PolicyStatus {
    const live = this.maps.ruleCounters();
    return {
      name: p.name,
      id: p.id,
      file: p.file,
      sha256: p.sha256,
      hooks: p.plan.rules.map((rule) => {
        let counts = this.folded.get(`${p.id}:${rule.index}`) ?? ZERO_COUNTS;
        for (const c of live)
          if (c.policyId === p.id && c.ruleIndex === rule.index) counts = addCounts(counts, c.counts);
        return {
          hook: rule.hook.title,
          mechanism: mechanismOf(rule.hook.kernelHook, this.options.variant),
          ...(rule.hook.note && { note: rule.hook.note }),
          counts,
        };
      }),
    };
  }

  private selectorOf(policyId: number, ruleIndex: number, selector: number): AggregateSelector | undefined {
    const entry = this.history.get(policyId);
    const s = entry?.plan.rules.find((r) => r.index === ruleIndex)?.selectors[selector];
    if (!entry || !s) return undefined;
    return { policy: entry.name, fields: s.aggregate, windowMs: s.aggregateWindowMs, prefixes: s.prefixes };
  }

  /** A user-space event's origin: now, on the boot clock the kernel's records use. */
  private origin(): RecordOrigin {
    const offset = this.options.clockOffsetNs;
    return { ktime: Number(BigInt(Date.now()) * 1_000_000n - offset), cpu: 0, seq: 0, clockOffsetNs: offset };
  }

  private audit(actor: PolicyActor, change: Omit<PolicyAuditEvent, 'kind' | 'origin' | 'process' | 'via'>): void {
    const user = actor.user ?? this.users.nameOf(actor.uid);
    const process: ProcessRef = {
      pid: actor.pid,
      tid: actor.pid,
      startNs: 0,
      comm: '',
      uid: actor.uid,
      ...(user && { user }),
    };
    const event: PolicyAuditEvent = { kind: 'policy.audit', origin: this.origin(), process, via: actor.via, ...change };
    const log =
      change.result === 'applied'
        ? this.options.logger.info.bind(this.options.logger)
        : this.options.logger.error.bind(this.options.logger);
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
    this.options.emit([event]);
  }

  /** Drains aggregation counts, emits the summaries that are due, re-checks protected files, mirrors counters. */
  private tick(): void {
    if (this.closed) return;
    const epoch = this.maps.flipAggregateEpoch();
    setTimeout(() => {
      if (this.closed) return;
      try {
        this.drain(epoch, false);
      } catch (err) {
        // The counts stay in the kernel's map; the next drain of this epoch takes them.
        this.options.logger.error({ err: (err as Error).message }, 'draining policy aggregation counts failed');
      }
    }, EPOCH_GRACE_MS).unref();
    const plans = [...this.policies.values()];
    const changed = this.identities.refresh(
      plans.flatMap((p) => p.plan.filePaths),
      plans.flatMap((p) => p.plan.binaryPaths),
    );
    if (changed.length > 0) {
      this.options.logger.info({ paths: changed }, 'protected file replaced: matching its new inode too');
      try {
        this.install(this.policies);
      } catch (err) {
        // The generation in force stays: the new file is matched by its path only.
        this.options.logger.error(
          { paths: changed, err: (err as Error).message },
          'protected file replaced: its new inode could not be added',
        );
      }
    }
    this.mirrorCounters();
  }

  private drain(epoch: number, all: boolean): void {
    const now = Date.now();
    this.aggregation.add(this.maps.drainAggregates(epoch), now);
    const summaries = this.aggregation.take(now, () => this.origin(), all);
    if (summaries.length === 0) return;
    // The counts as metrics too, one series per policy selector and key.
    for (const s of summaries) {
      const key = Object.fromEntries(
        Object.entries(s.key).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), String(v)]),
      );
      const labels = { policy: s.policy, rule: String(s.ruleIndex), selector: String(s.selector), ...key };
      this.options.counters?.counter('policy_aggregated_events_total', labels).add(s.count);
    }
    this.options.emit(summaries);
  }

  private readonly mirrored = new Map<string, Counter>();

  private mirrorCounters(): void {
    const registry = this.options.counters;
    if (!registry) return;
    for (const p of this.list()) {
      p.hooks.forEach((h, rule) => {
        for (const [name, value] of Object.entries(h.counts)) {
          const key = `${p.name}\0${rule}\0${name}`;
          let counter = this.mirrored.get(key);
          if (!counter) {
            counter = registry.counter('policy_rule_events_total', {
              policy: p.name,
              rule: String(rule),
              counter: name,
            });
            this.mirrored.set(key, counter);
          }
          counter.set(value);
        }
      });
    }
  }

  /** Emits what aggregation still holds and stops the timers; the kernel object belongs to the caller. */
  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.drain(this.maps.flipAggregateEpoch(), true);
    this.drain(this.maps.flipAggregateEpoch(), true);
    this.closed = true;
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof PolicyFileError)
    return err.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .join('\n');
  if (err instanceof PolicyCapacityError || err instanceof PolicyConflictError || err instanceof PolicyNotFoundError)
    return err.message;
  return (err as Error).message;
}
