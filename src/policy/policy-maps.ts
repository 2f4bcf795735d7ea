// Writes a generation of policy entries into the kernel's maps and switches to it, reads the
// kernel's per-rule and per-hook counters, and drains the aggregation counts.
//
// Two generations (bpf/include/policy.h): the live one is gen_seq & 1. A new generation is
// written completely into the other parity (its old entries deleted first), then gen_seq is
// bumped with one map write. An evaluation reads gen_seq once, so it runs against the old
// generation or the new one, whole, never against a half-written or empty one.
import {
  PolicyCounter,
  PolicyHook,
  PolicyHookCounter,
  PolicyLimits,
  readPolicyAggKey,
  readPolicyAggValue,
  readPolicyConfig,
  type PolicyAggKey,
  type PolicyAggValue,
} from '../events/generated/abi.js';
import { RecordView } from '../events/record-view.js';
import { StructCodec } from '../events/struct-codec.js';
import type { NativeBpfObject } from '../kernel/native.js';
import type { Generation } from './policy-generation.js';

const GENERATIONS = PolicyLimits.POLICY_GENERATIONS;
const MAX_RULES = PolicyLimits.POLICY_MAX_RULES;
const SELECTOR_SLOTS = MAX_RULES * PolicyLimits.POLICY_MAX_SELECTORS;
const HOOK_MAX = PolicyHook.HOOK_MAX;
const INT_VALUES = PolicyLimits.POLICY_INT_VALUES;

const config = new StructCodec('policy_config');
const hookEntry = new StructCodec('policy_hook_entry');
const rule = new StructCodec('policy_rule');
const selector = new StructCodec('policy_selector');
const nameKey = new StructCodec('policy_name_key');
const nameValue = new StructCodec('policy_name_value');
const basenameKey = new StructCodec('policy_basename_key');
const inodeKey = new StructCodec('policy_inode_key');
const pidKey = new StructCodec('policy_pid_key');
const pidValue = new StructCodec('policy_pid_value');
const nsKey = new StructCodec('policy_ns_key');
const portKey = new StructCodec('policy_port_key');
const addrKey = new StructCodec('policy_addr_key');
const bits = new StructCodec('policy_bits');
const aggKey = new StructCodec('policy_agg_key');
const stats = new StructCodec('policy_stats');
const hookStats = new StructCodec('policy_hook_stats');

/** The rule a counter slot belonged to. */
export interface SlotOwner {
  policyId: number;
  ruleIndex: number;
}

/** enum ebpipe_policy_counter */
const RULE_COUNTERS = {
  evaluated: PolicyCounter.COUNT_EVALUATED,
  matched: PolicyCounter.COUNT_MATCHED,
  posted: PolicyCounter.COUNT_POSTED,
  rateLimited: PolicyCounter.COUNT_RATE_LIMITED,
  aggregated: PolicyCounter.COUNT_AGGREGATED,
  aggregateOverflow: PolicyCounter.COUNT_AGG_OVERFLOW,
  signalled: PolicyCounter.COUNT_SIGNALLED,
  signalFailed: PolicyCounter.COUNT_SIGNAL_FAILED,
  overridden: PolicyCounter.COUNT_OVERRIDDEN,
} as const;

/** enum ebpipe_policy_hook_counter */
const HOOK_COUNTERS = {
  seen: PolicyHookCounter.HOOK_COUNT_SEEN,
  skipped: PolicyHookCounter.HOOK_COUNT_SKIPPED,
  scratchBusy: PolicyHookCounter.HOOK_COUNT_SCRATCH_BUSY,
} as const;

export type RuleCounts = Record<keyof typeof RULE_COUNTERS, number>;
export type HookCounts = Record<keyof typeof HOOK_COUNTERS, number>;

export interface RuleCounters extends SlotOwner {
  counts: RuleCounts;
}

/** One key's count of an epoch, as the kernel's policy_aggregates entry holds it. */
export interface AggregateCount
  extends
    Pick<PolicyAggKey, 'policyId' | 'ruleIndex' | 'selector' | 'prefixId' | 'uid' | 'dport' | 'family'>,
    Pick<PolicyAggValue, 'binary' | 'count' | 'firstNs' | 'lastNs'> {
  /** struct policy_agg_key's address bytes (4 for IPv4), which the generated reader leaves out. */
  daddr: Buffer;
}

interface WrittenKey {
  map: string;
  key: Buffer;
}

function u32Key(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(n);
  return key;
}

function bitsValue(value: bigint): Buffer {
  const buf = bits.alloc();
  bits.setBits(buf, 'w', value);
  return buf;
}

/** Sums a per-CPU value's counters (one 8-byte-aligned value per possible CPU). */
function sumCounters<K extends string>(
  raw: Buffer | null,
  codec: StructCodec,
  names: Readonly<Record<K, number>>,
  cpus: number,
): Record<K, number> {
  const out = Object.fromEntries(Object.keys(names).map((n) => [n, 0])) as Record<K, number>;
  if (!raw) return out;
  const stride = (codec.size + 7) & ~7;
  for (let cpu = 0; cpu < cpus; cpu++) {
    for (const [name, index] of Object.entries(names) as [K, number][])
      out[name] += Number(codec.u64(raw, 'counts', index, cpu * stride));
  }
  return out;
}

export class PolicyMaps {
  private genSeq = 0;
  private aggEpoch = 0;
  private readonly written: WrittenKey[][] = [[], []];
  private readonly owners: SlotOwner[][] = [[], []];

  constructor(
    private readonly object: NativeBpfObject,
    private readonly cpus: number,
  ) {
    const current = object.mapLookup('policy_config', u32Key(0));
    if (current) {
      const { genSeq, aggEpoch } = readPolicyConfig(new RecordView(current), 0);
      this.genSeq = genSeq;
      this.aggEpoch = aggEpoch;
    }
    this.writeConfig();
  }

  /** The parity of the live generation. */
  get live(): number {
    return this.genSeq & 1;
  }

  /**
   * Writes `gen` into the generation that is not live and makes it live. Returns the counters
   * of the rules whose slots it overwrote (they belonged to the generation before the last).
   */
  install(gen: Generation): RuleCounters[] {
    const target = (this.genSeq + 1) % GENERATIONS;
    for (const { map, key } of this.written[target]!) this.object.mapDelete(map, key);
    this.written[target] = [];
    const folded = this.readRuleCounters(target);
    this.zeroRuleCounters(target);

    this.writeValues(target, gen);
    gen.rules.forEach((r, slot) => {
      r.selectors.forEach((s, i) =>
        this.object.mapUpdate(
          'policy_selectors',
          u32Key(target * SELECTOR_SLOTS + r.firstSelector + i),
          encodeSelector(s),
        ),
      );
      this.object.mapUpdate('policy_rules', u32Key(target * MAX_RULES + slot), encodeRule(r));
    });
    this.owners[target] = gen.rules.map((r) => ({ policyId: r.policyId, ruleIndex: r.ruleIndex }));
    for (let hook = 0; hook < HOOK_MAX; hook++) {
      const entry = hookEntry.alloc();
      const h = gen.hooks.find((x) => x.hook === hook);
      if (h) {
        hookEntry.set(entry, 'first_rule', h.firstRule);
        hookEntry.set(entry, 'n_rules', h.nRules);
        hookEntry.set(entry, 'needs', h.needs);
        hookEntry.set(entry, 'namespaces', h.namespaces);
        hookEntry.set(entry, 'syscalls', h.syscalls);
      }
      this.object.mapUpdate('policy_hooks', u32Key(target * HOOK_MAX + hook), entry);
    }
    this.genSeq++;
    this.writeConfig();
    return folded;
  }

  private put(target: number, map: string, key: Buffer, value: Buffer): void {
    this.object.mapUpdate(map, key, value);
    this.written[target]!.push({ map, key });
  }

  private writeValues(target: number, gen: Generation): void {
    for (const n of gen.names) {
      const key = nameKey.alloc();
      nameKey.set(key, 'prefixlen', 16 + 8 * n.data.length);
      nameKey.set(key, 'gen', target);
      nameKey.set(key, 'subject', n.subject);
      nameKey.setBytes(key, 'data', n.data);
      const value = nameValue.alloc();
      nameValue.setBits(value, 'prefix', n.prefix);
      nameValue.setBits(value, 'exact', n.exact);
      nameValue.set(value, 'len', n.data.length);
      nameValue.set(value, 'prefix_id', n.prefixId);
      this.put(target, 'policy_names', key, value);
    }
    for (const name of gen.basenames) {
      const key = basenameKey.alloc();
      basenameKey.set(key, 'gen', target);
      basenameKey.set(key, 'len', name.length);
      basenameKey.setBytes(key, 'name', name);
      this.put(target, 'policy_basenames', key, Buffer.from([1]));
    }
    for (const i of gen.inodes) {
      const key = inodeKey.alloc();
      inodeKey.set(key, 'dev', i.dev);
      inodeKey.set(key, 'ino', i.ino);
      inodeKey.set(key, 'gen', target);
      inodeKey.set(key, 'subject', i.subject);
      this.put(target, 'policy_inodes', key, bitsValue(i.bits));
    }
    for (const p of gen.pids) {
      const key = pidKey.alloc();
      pidKey.set(key, 'gen', target);
      pidKey.set(key, 'ns', p.ns);
      pidKey.set(key, 'pid', p.pid);
      const value = pidValue.alloc();
      pidValue.setBits(value, 'self', p.self);
      pidValue.setBits(value, 'descendants', p.descendants);
      this.put(target, 'policy_pids', key, value);
    }
    for (const n of gen.namespaces) {
      const key = nsKey.alloc();
      nsKey.set(key, 'gen', target);
      nsKey.set(key, 'type', n.type);
      nsKey.set(key, 'inum', n.inum);
      this.put(target, 'policy_namespaces', key, bitsValue(n.bits));
    }
    for (const p of gen.ports) {
      const key = portKey.alloc();
      portKey.set(key, 'gen', target);
      portKey.set(key, 'which', p.which);
      portKey.set(key, 'port', p.port);
      this.put(target, 'policy_ports', key, bitsValue(p.bits));
    }
    for (const a of gen.addrs) {
      const key = addrKey.alloc();
      // gen, which, family and padding: 32 bits before the address.
      addrKey.set(key, 'prefixlen', 32 + a.prefixBits);
      addrKey.set(key, 'gen', target);
      addrKey.set(key, 'which', a.which);
      addrKey.set(key, 'family', a.family);
      addrKey.setBytes(key, 'addr', a.addr);
      this.put(target, 'policy_addrs', key, bitsValue(a.bits));
    }
  }

  private writeConfig(): void {
    const value = config.alloc();
    config.set(value, 'gen_seq', this.genSeq);
    config.set(value, 'agg_epoch', this.aggEpoch);
    config.set(value, 'agent_tgid', process.pid);
    this.object.mapUpdate('policy_config', u32Key(0), value);
  }

  private readRuleCounters(parity: number): RuleCounters[] {
    return this.owners[parity]!.map((owner, slot) => {
      const raw = this.object.mapLookup('policy_stats', u32Key(parity * MAX_RULES + slot));
      return { ...owner, counts: sumCounters(raw, stats, RULE_COUNTERS, this.cpus) };
    });
  }

  private zeroRuleCounters(parity: number): void {
    const zeros = Buffer.alloc(((stats.size + 7) & ~7) * this.cpus);
    this.owners[parity]!.forEach((_, slot) =>
      this.object.mapUpdate('policy_stats', u32Key(parity * MAX_RULES + slot), zeros),
    );
  }

  /** Counters of the rules in both generations (the previous one may still be counting in-flight evaluations). */
  ruleCounters(): RuleCounters[] {
    return [...this.readRuleCounters(0), ...this.readRuleCounters(1)];
  }

  hookCounters(hook: number): HookCounts {
    return sumCounters(this.object.mapLookup('policy_hook_stats', u32Key(hook)), hookStats, HOOK_COUNTERS, this.cpus);
  }

  /** New aggregation counts go to the other epoch from now on; returns the epoch they left. */
  flipAggregateEpoch(): number {
    const left = this.aggEpoch;
    this.aggEpoch ^= 1;
    this.writeConfig();
    return left;
  }

  /** Takes every count of an epoch out of the kernel (late ones of an in-flight evaluation come at the next drain). */
  drainAggregates(epoch: number): AggregateCount[] {
    const out: AggregateCount[] = [];
    for (const key of this.object.mapKeys('policy_aggregates')) {
      const k = readPolicyAggKey(new RecordView(key), 0);
      if (k.epoch !== epoch) continue;
      const value = this.object.mapLookup('policy_aggregates', key);
      this.object.mapDelete('policy_aggregates', key);
      if (!value) continue;
      const v = readPolicyAggValue(new RecordView(value), 0);
      out.push({
        policyId: k.policyId,
        ruleIndex: k.ruleIndex,
        selector: k.selector,
        prefixId: k.prefixId,
        uid: k.uid,
        dport: k.dport,
        family: k.family,
        daddr: Buffer.from(aggKey.bytes(key, 'daddr')),
        binary: v.binary,
        count: v.count,
        firstNs: v.firstNs,
        lastNs: v.lastNs,
      });
    }
    return out;
  }
}

function encodeRule(r: Generation['rules'][number]): Buffer {
  const buf = rule.alloc();
  rule.set(buf, 'policy_id', r.policyId);
  rule.set(buf, 'rule_index', r.ruleIndex);
  rule.set(buf, 'n_selectors', r.selectors.length);
  rule.set(buf, 'syscalls', r.syscalls);
  rule.set(buf, 'first_selector', r.firstSelector);
  rule.setBytes(buf, 'policy', Buffer.from(r.policyName));
  return buf;
}

function encodeSelector(s: Generation['rules'][number]['selectors'][number]): Buffer {
  const buf = selector.alloc();
  const p = s.plan;
  selector.setBits(buf, 'require', s.require);
  selector.setBits(buf, 'forbid', s.forbid);
  p.capsAny.forEach((mask, i) => selector.set(buf, 'caps_any', mask, i, 8));
  p.capsNone.forEach((mask, i) => selector.set(buf, 'caps_none', mask, i, 8));
  p.ints.forEach((f, i) => {
    selector.set(buf, 'int_arg', f.slot, i, 1);
    selector.set(buf, 'int_op', f.op, i, 1);
    selector.set(buf, 'int_count', f.values.length, i, 1);
    f.values.forEach((v, j) => selector.set(buf, 'int_values', v, i * INT_VALUES + j, 8));
  });
  selector.set(buf, 'actions', p.actions);
  selector.set(buf, 'signal', p.signal);
  selector.set(buf, 'error', p.error);
  selector.set(buf, 'rate_scope', p.rateScope);
  selector.set(buf, 'rate_limit_ns', BigInt(p.rateLimitMs) * 1_000_000n);
  selector.set(buf, 'aggregate', p.aggregate);
  return buf;
}
