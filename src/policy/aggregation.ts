// Turns the kernel's aggregation counts into summary events: counts drained from the kernel
// (policy-maps.ts) are added up per key until the selector's window has passed, then one
// policy.summary event says how many matches were folded and for which key.
import { PolicyAggField } from '../events/generated/abi.js';
import { AF_INET6, formatIpv4, formatIpv6 } from '../events/kernel-names.js';
import type { PolicySummaryEvent } from '../events/policy-events.js';
import type { RecordOrigin } from '../events/references.js';
import type { AggregateCount } from './policy-maps.js';

/** What the engine knows of the selector a count belongs to. */
export interface AggregateSelector {
  policy: string;
  /** enum ebpipe_policy_agg_field */
  fields: number;
  windowMs: number;
  /** The selector's own Prefix values. */
  prefixes: readonly string[];
}

interface Pending {
  first: AggregateCount;
  count: number;
  firstNs: number;
  lastNs: number;
  openedMs: number;
}

export class AggregationCollector {
  private readonly pending = new Map<string, Pending>();
  /** Counts whose selector the engine no longer knows (dropped, counted). */
  unknown = 0;

  constructor(
    private readonly selectorOf: (
      policyId: number,
      ruleIndex: number,
      selector: number,
    ) => AggregateSelector | undefined,
    private readonly prefixOf: (prefixId: number) => string | undefined,
  ) {}

  add(counts: readonly AggregateCount[], nowMs: number): void {
    for (const c of counts) {
      const key = [
        c.policyId,
        c.ruleIndex,
        c.selector,
        c.prefixId,
        c.uid,
        c.dport,
        c.family,
        c.daddr.toString('hex'),
        c.binary,
      ].join('\0');
      const p = this.pending.get(key);
      if (p) {
        p.count += c.count;
        p.firstNs = Math.min(p.firstNs, c.firstNs);
        p.lastNs = Math.max(p.lastNs, c.lastNs);
      } else {
        this.pending.set(key, { first: c, count: c.count, firstNs: c.firstNs, lastNs: c.lastNs, openedMs: nowMs });
      }
    }
  }

  /** Summaries of the keys whose window has passed (every key when `all`), removed from the pending set. */
  take(nowMs: number, origin: () => RecordOrigin, all = false): PolicySummaryEvent[] {
    const out: PolicySummaryEvent[] = [];
    for (const [key, p] of this.pending) {
      const c = p.first;
      const selector = this.selectorOf(c.policyId, c.ruleIndex, c.selector);
      if (!selector) {
        this.unknown += p.count;
        this.pending.delete(key);
        continue;
      }
      if (!all && nowMs - p.openedMs < selector.windowMs) continue;
      this.pending.delete(key);
      out.push({
        kind: 'policy.summary',
        origin: origin(),
        process: { pid: 0, tid: 0, startNs: 0, comm: '', ...(c.binary && { binary: c.binary }) },
        policy: selector.policy,
        ruleIndex: c.ruleIndex,
        selector: c.selector,
        key: this.keyOf(c, selector),
        count: p.count,
        firstKtime: p.firstNs,
        lastKtime: p.lastNs,
        windowMs: selector.windowMs,
      });
    }
    return out;
  }

  private keyOf(c: AggregateCount, selector: AggregateSelector): PolicySummaryEvent['key'] {
    const key: PolicySummaryEvent['key'] = {};
    const has = (field: number) => (selector.fields & field) !== 0;
    if (has(PolicyAggField.AGG_BINARY)) key.binary = c.binary;
    if (has(PolicyAggField.AGG_PATH_PREFIX)) {
      // The kernel gives the longest Prefix value of all loaded policies the path is under;
      // this selector's own value is the longest of its values under which that one lies.
      const longest = this.prefixOf(c.prefixId) ?? '';
      const own = selector.prefixes.filter((p) => longest.startsWith(p)).sort((a, b) => b.length - a.length)[0];
      if (own !== undefined) key.pathPrefix = own;
    }
    if (has(PolicyAggField.AGG_DPORT)) key.dport = c.dport;
    if (has(PolicyAggField.AGG_DADDR))
      key.daddr = c.family === AF_INET6 ? formatIpv6(c.daddr, 0) : formatIpv4(c.daddr, 0);
    if (has(PolicyAggField.AGG_UID)) key.uid = c.uid;
    return key;
  }
}
