// The policies in force: each change (add, replace, delete) is validated and compiled first,
// then installed as a whole generation of kernel map entries (policy-maps.ts switches to it
// atomically), so the set changes only when the kernel took it. Keeps what outlives a change:
// every policy id given out (aggregation counts drained later still find their selector), the
// counters of rules whose kernel slots were reused, and the inodes of protected files.
import { PolicyHook } from '../events/generated/abi.js';
import { EbpipeError } from '../common/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { AggregateSelector } from './aggregation.js';
import { FileIdentities } from './file-identities.js';
import { mechanismOf, type PolicyVariant } from './hooks.js';
import type { PolicyDocument } from './policy-document.js';
import { buildGeneration } from './policy-generation.js';
import type { HookCounts, PolicyMaps, RuleCounts } from './policy-maps.js';
import { planPolicy, type PolicyPlan } from './policy-plan.js';

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

export interface LoadedPolicy {
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

export class PolicySet {
  private policies = new Map<string, LoadedPolicy>();
  private nextId = 1;
  private readonly identities = new FileIdentities();
  private readonly prefixIds = new Map<string, number>();
  private readonly prefixes: string[] = [''];
  /** Every policy id given out, so counts drained after a policy changed still find their selector. */
  private readonly history = new Map<number, { name: string; plan: PolicyPlan }>();
  /** Counters of rules whose kernel slots were reused, by `${policyId}:${ruleIndex}`. */
  private readonly folded = new Map<string, RuleCounts>();

  constructor(
    private readonly maps: PolicyMaps,
    readonly variant: PolicyVariant,
    private readonly logger: Logger,
  ) {}

  /** The policy loaded under that name. */
  loaded(name: string): LoadedPolicy | undefined {
    return this.policies.get(name);
  }

  /**
   * Adds the policy, or replaces the one of the same name from the same file. Nothing changes
   * when it is invalid or does not fit: the error says why.
   */
  apply(doc: PolicyDocument): LoadedPolicy {
    const name = doc.policy.metadata.name;
    const existing = this.policies.get(name);
    if (existing && existing.file !== doc.file) {
      throw new PolicyConflictError(`policy ${name} is already loaded from ${existing.file}: delete it first`);
    }
    const plan = planPolicy(doc, this.variant);
    const next = new Map(this.policies);
    // A file whose policy changed its name replaces its old policy.
    for (const [other, p] of next) if (p.file === doc.file && other !== name) next.delete(other);
    const loaded: LoadedPolicy = { id: this.nextId++, name, file: doc.file, sha256: doc.sha256, plan };
    next.set(name, loaded);
    this.install(next);
    this.history.set(loaded.id, { name, plan });
    for (const rule of plan.rules) {
      this.logger.info(
        {
          policy: name,
          hook: rule.hook.title,
          mechanism: mechanismOf(rule.hook.kernelHook, this.variant),
          note: rule.hook.note,
        },
        'policy hook attached',
      );
    }
    return loaded;
  }

  /** Removes a loaded policy. */
  remove(name: string): void {
    const next = new Map(this.policies);
    next.delete(name);
    this.install(next);
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

  /** Stats the protected files again; a replaced one is installed again with its new inode too. */
  refreshIdentities(): void {
    const plans = [...this.policies.values()];
    const changed = this.identities.refresh(
      plans.flatMap((p) => p.plan.filePaths),
      plans.flatMap((p) => p.plan.binaryPaths),
    );
    if (changed.length === 0) return;
    this.logger.info({ paths: changed }, 'protected file replaced: matching its new inode too');
    try {
      this.install(this.policies);
    } catch (err) {
      // The generation in force stays: the new file is matched by its path only.
      this.logger.error(
        { paths: changed, err: (err as Error).message },
        'protected file replaced: its new inode could not be added',
      );
    }
  }

  /** What aggregation needs of the selector a kernel count belongs to, for any policy id given out. */
  selectorOf(policyId: number, ruleIndex: number, selector: number): AggregateSelector | undefined {
    const entry = this.history.get(policyId);
    const s = entry?.plan.rules.find((r) => r.index === ruleIndex)?.selectors[selector];
    if (!entry || !s) return undefined;
    return { policy: entry.name, fields: s.aggregate, windowMs: s.aggregateWindowMs, prefixes: s.prefixes };
  }

  /** The Prefix value the kernel's prefix id stands for. */
  prefixOf(prefixId: number): string | undefined {
    return this.prefixes[prefixId];
  }

  statusOf(p: LoadedPolicy): PolicyStatus {
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
          mechanism: mechanismOf(rule.hook.kernelHook, this.variant),
          ...(rule.hook.note && { note: rule.hook.note }),
          counts,
        };
      }),
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
}
