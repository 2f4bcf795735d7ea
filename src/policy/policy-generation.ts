// All loaded policies as one generation of kernel map entries (layouts in
// bpf/include/policy.h): each filter of each selector gets a bit; the value maps say, per path,
// inode, pid, namespace, port or address, which bits it sets; selectors say which bits they
// require and which they forbid. Pure data: policy-maps.ts writes it.
import { PolicyHook, PolicyLimits, PolicyNeeds, PolicySubject } from '../events/generated/abi.js';
import type { BitFilter, PolicyPlan, SelectorPlan } from './policy-plan.js';
import { EbpipeError } from '../common/errors.js';

export const MAX_FILTER_BITS = PolicyLimits.POLICY_BITS_WORDS * 64;
const MAX_RULES = PolicyLimits.POLICY_MAX_RULES;
/** Entries per generation that fit the maps of bpf/lib/policy_maps.bpf.h (two generations share each). */
const CAPACITY = { ports: 8192, names: 4096, inodes: 4096, pids: 2048, namespaces: 512, addrs: 2048 } as const;
const BASENAME_MAX = PolicyLimits.POLICY_BASENAME_MAX;

/** A file's identity as stat(2) gives it. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

export interface GenerationInput {
  policies: readonly { id: number; plan: PolicyPlan }[];
  /** Identities of the paths Equal/In filters name (a replaced file keeps its earlier ones). */
  fileIdentities: ReadonlyMap<string, readonly FileIdentity[]>;
  binaryIdentities: ReadonlyMap<string, readonly FileIdentity[]>;
  /** A number for a Prefix value that stays the same across generations (aggregation keys carry it). */
  prefixId(prefix: string): number;
}

export interface HookEntry {
  hook: number;
  firstRule: number;
  nRules: number;
  needs: number;
  namespaces: number;
  syscalls: bigint;
}

export interface RuleEntry {
  policyId: number;
  policyName: string;
  ruleIndex: number;
  syscalls: bigint;
  firstSelector: number;
  selectors: SelectorEntry[];
}

export interface SelectorEntry {
  plan: SelectorPlan;
  require: bigint;
  forbid: bigint;
}

export interface NameEntry {
  subject: number;
  data: Buffer;
  prefix: bigint;
  exact: bigint;
  prefixId: number;
}

export interface Generation {
  hooks: HookEntry[];
  rules: RuleEntry[];
  names: NameEntry[];
  /** Last components of file Equal values (policy_basenames). */
  basenames: Buffer[];
  inodes: { subject: number; dev: bigint; ino: bigint; bits: bigint }[];
  pids: { ns: number; pid: number; self: bigint; descendants: bigint }[];
  namespaces: { type: number; inum: number; bits: bigint }[];
  ports: { which: number; port: number; bits: bigint }[];
  addrs: { which: number; family: number; addr: Buffer; prefixBits: number; bits: bigint }[];
  filterBits: number;
}

/** The policies do not fit the kernel's tables; names the policy that did not fit. */
export class PolicyCapacityError extends EbpipeError {
  override readonly name = 'PolicyCapacityError';
  constructor(
    readonly policy: string,
    reason: string,
  ) {
    super('POLICY_CAPACITY', 'configuring', `policy ${policy} does not fit with the policies loaded: ${reason}`);
  }
}

const HOOKS = [PolicyHook.HOOK_FILE_OPEN, PolicyHook.HOOK_TCP_CONNECT] as const;

class Accumulator {
  private readonly map = new Map<string, { key: unknown; bits: bigint[] }>();
  add<K>(id: string, key: K, slot: number, bit: bigint, slots = 1): void {
    let entry = this.map.get(id);
    if (!entry) {
      entry = { key, bits: Array<bigint>(slots).fill(0n) };
      this.map.set(id, entry);
    }
    entry.bits[slot] = (entry.bits[slot] ?? 0n) | bit;
  }
  entries<K>(): { key: K; bits: bigint[] }[] {
    return [...this.map.values()] as { key: K; bits: bigint[] }[];
  }
  get size(): number {
    return this.map.size;
  }
}

interface NameKey {
  subject: number;
  data: Buffer;
}

export function buildGeneration(input: GenerationInput): Generation {
  const names = new Accumulator(); // slot 0: prefix bits, slot 1: exact bits
  const inodes = new Accumulator();
  const pids = new Accumulator(); // slot 0: self, slot 1: descendants
  const namespaces = new Accumulator();
  const ports = new Accumulator();
  const addrs = new Accumulator();
  const hookState = new Map<
    number,
    { needs: number; namespaces: number; syscalls: bigint; rules: RuleEntry[]; onlyExactPaths: boolean }
  >(HOOKS.map((h) => [h, { needs: 0, namespaces: 0, syscalls: 0n, rules: [], onlyExactPaths: true }]));
  const basenames = new Map<string, Buffer>();
  let nextBit = 0;
  let rules = 0;

  const addName = (subject: number, data: Buffer, slot: number, bit: bigint) => {
    names.add<NameKey>(`${subject}:${data.toString('hex')}`, { subject, data }, slot, bit, 2);
  };
  const addIdentities = (subject: number, identities: readonly FileIdentity[] | undefined, bit: bigint) => {
    for (const id of identities ?? []) inodes.add(`${subject}:${id.dev}:${id.ino}`, { subject, ...id }, 0, bit);
  };

  for (const { id, plan } of input.policies) {
    const fail = (reason: string): never => {
      throw new PolicyCapacityError(plan.name, reason);
    };
    for (const rule of plan.rules) {
      if (++rules > MAX_RULES) fail(`more than ${MAX_RULES} hook entries in all`);
      const state = hookState.get(rule.hook.kernelHook)!;
      const entry: RuleEntry = {
        policyId: id,
        policyName: plan.name,
        ruleIndex: rule.index,
        syscalls: rule.hook.syscalls,
        firstSelector: 0,
        selectors: [],
      };
      state.syscalls |= rule.hook.syscalls;
      for (const selector of rule.selectors) {
        let require = 0n;
        let forbid = 0n;
        for (const filter of selector.filters) {
          if (nextBit === MAX_FILTER_BITS) fail(`more than ${MAX_FILTER_BITS} filters in all`);
          const bit = 1n << BigInt(nextBit++);
          if (filter.negate) forbid |= bit;
          else require |= bit;
          state.needs |= addFilter(
            filter,
            bit,
            input,
            { addName, addIdentities, pids, namespaces, ports, addrs },
            (type) => {
              state.namespaces |= 1 << type;
            },
          );
          if (filter.kind === 'name' && filter.subject === 'file') {
            if (filter.match !== 'exact') state.onlyExactPaths = false;
            for (const value of filter.match === 'exact' ? filter.values : []) {
              const name = Buffer.from(value.slice(value.lastIndexOf('/') + 1));
              // "/" and names too long for a basename key cannot be told apart by name.
              if (name.length === 0 || name.length >= BASENAME_MAX) state.onlyExactPaths = false;
              basenames.set(name.toString('hex'), name);
            }
          }
          const sizes = {
            ports: ports.size,
            names: names.size,
            inodes: inodes.size,
            pids: pids.size,
            namespaces: namespaces.size,
            addrs: addrs.size,
          };
          for (const [what, size] of Object.entries(sizes) as [keyof typeof CAPACITY, number][]) {
            if (size > CAPACITY[what])
              fail(
                `more than ${CAPACITY[what]} ${what} in all${what === 'ports' ? ' (a range counts every port)' : ''}`,
              );
          }
        }
        if (selector.capsAny.some((m) => m !== 0n) || selector.capsNone.some((m) => m !== 0n))
          state.needs |= PolicyNeeds.NEED_CAPS;
        entry.selectors.push({ plan: selector, require, forbid });
      }
      state.rules.push(entry);
    }
  }

  const hooks: HookEntry[] = [];
  const ordered: RuleEntry[] = [];
  let selectorSlot = 0;
  for (const hook of HOOKS) {
    const state = hookState.get(hook)!;
    const byNameOnly = state.onlyExactPaths && (state.needs & PolicyNeeds.NEED_PATH) !== 0;
    hooks.push({
      hook,
      firstRule: ordered.length,
      nRules: state.rules.length,
      needs: byNameOnly ? state.needs | PolicyNeeds.NEED_BASENAME : state.needs,
      namespaces: state.namespaces,
      syscalls: state.syscalls,
    });
    for (const rule of state.rules) {
      rule.firstSelector = selectorSlot;
      selectorSlot += rule.selectors.length;
      ordered.push(rule);
    }
  }

  return {
    hooks,
    rules: ordered,
    basenames: [...basenames.values()],
    names: coverNames(names.entries<NameKey>(), (prefix) => input.prefixId(prefix)),
    inodes: inodes
      .entries<{ subject: number; dev: bigint; ino: bigint }>()
      .map(({ key, bits }) => ({ ...key, bits: bits[0]! })),
    pids: pids
      .entries<{ ns: number; pid: number }>()
      .map(({ key, bits }) => ({ ...key, self: bits[0] ?? 0n, descendants: bits[1] ?? 0n })),
    namespaces: namespaces
      .entries<{ type: number; inum: number }>()
      .map(({ key, bits }) => ({ ...key, bits: bits[0]! })),
    ports: ports.entries<{ which: number; port: number }>().map(({ key, bits }) => ({ ...key, bits: bits[0]! })),
    addrs: coverAddrs(addrs.entries<{ which: number; family: number; addr: Buffer; prefixBits: number }>()),
    filterBits: nextBit,
  };
}

interface FilterSinks {
  addName(subject: number, data: Buffer, slot: number, bit: bigint): void;
  addIdentities(subject: number, identities: readonly FileIdentity[] | undefined, bit: bigint): void;
  pids: Accumulator;
  namespaces: Accumulator;
  ports: Accumulator;
  addrs: Accumulator;
}

/** Records the filter's values under its bit; returns what the hook now needs to look up. */
function addFilter(
  filter: BitFilter,
  bit: bigint,
  input: GenerationInput,
  sinks: FilterSinks,
  usesNamespace: (type: number) => void,
): number {
  switch (filter.kind) {
    case 'name': {
      const file = filter.subject === 'file';
      const forward = file ? PolicySubject.SUBJECT_FILE : PolicySubject.SUBJECT_BINARY;
      const reversed = file ? PolicySubject.SUBJECT_FILE_REVERSED : PolicySubject.SUBJECT_BINARY_REVERSED;
      for (const value of filter.values) {
        if (filter.match === 'exact') {
          sinks.addName(forward, Buffer.from(value), 1, bit);
          sinks.addIdentities(forward, (file ? input.fileIdentities : input.binaryIdentities).get(value), bit);
        } else if (filter.match === 'prefix') {
          sinks.addName(forward, Buffer.from(value), 0, bit);
        } else {
          // A Postfix value is a prefix of the path read backwards.
          sinks.addName(reversed, Buffer.from(value).reverse(), 0, bit);
        }
      }
      if (!file) return PolicyNeeds.NEED_BINARY;
      if (filter.match === 'postfix') return PolicyNeeds.NEED_PATH_REVERSED;
      return filter.match === 'exact' ? PolicyNeeds.NEED_PATH | PolicyNeeds.NEED_INODE : PolicyNeeds.NEED_PATH;
    }
    case 'pid':
      for (const pid of filter.values) {
        const ns = filter.namespaced ? 1 : 0;
        sinks.pids.add(`${ns}:${pid}`, { ns, pid }, 0, bit, 2);
        if (filter.followForks) sinks.pids.add(`${ns}:${pid}`, { ns, pid }, 1, bit, 2);
      }
      return (
        PolicyNeeds.NEED_PIDS |
        (filter.followForks ? PolicyNeeds.NEED_PID_ANCESTORS : 0) |
        (filter.namespaced ? PolicyNeeds.NEED_NS_PIDS : 0)
      );
    case 'namespace':
      usesNamespace(filter.type);
      for (const inum of filter.values)
        sinks.namespaces.add(`${filter.type}:${inum}`, { type: filter.type, inum }, 0, bit);
      return 0;
    case 'port':
      for (const [lo, hi] of filter.ranges) {
        for (let port = lo; port <= hi; port++)
          sinks.ports.add(`${filter.which}:${port}`, { which: filter.which, port }, 0, bit);
      }
      return PolicyNeeds.NEED_PORTS;
    case 'addr':
      for (const c of filter.cidrs) {
        const key = { which: filter.which, family: c.family, addr: c.addr, prefixBits: c.bits };
        sinks.addrs.add(`${filter.which}:${c.family}:${c.addr.toString('hex')}/${c.bits}`, key, 0, bit);
      }
      return PolicyNeeds.NEED_ADDRS;
  }
}

function isPrefixOf(a: Buffer, b: Buffer): boolean {
  return a.length <= b.length && a.equals(b.subarray(0, a.length));
}

/**
 * The LPM trie answers with the longest entry only, so each entry carries the prefix bits of
 * every shorter entry of its subject that is a prefix of it, and the id of the longest Prefix
 * value among them.
 */
function coverNames(entries: { key: NameKey; bits: bigint[] }[], prefixId: (prefix: string) => number): NameEntry[] {
  return entries.map(({ key, bits }) => {
    let prefix = 0n;
    let longest: Buffer | undefined;
    for (const other of entries) {
      if (other.key.subject !== key.subject || !isPrefixOf(other.key.data, key.data)) continue;
      const own = other.bits[0] ?? 0n;
      prefix |= own;
      if (own !== 0n && (!longest || other.key.data.length > longest.length)) longest = other.key.data;
    }
    const id = longest && key.subject === PolicySubject.SUBJECT_FILE ? prefixId(longest.toString()) : 0;
    return { subject: key.subject, data: key.data, prefix, exact: bits[1] ?? 0n, prefixId: id };
  });
}

interface AddrKey {
  which: number;
  family: number;
  addr: Buffer;
  prefixBits: number;
}

function covers(outer: AddrKey, inner: AddrKey): boolean {
  if (outer.which !== inner.which || outer.family !== inner.family || outer.prefixBits > inner.prefixBits) return false;
  for (let bit = 0; bit < outer.prefixBits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((outer.addr[bit >> 3]! & mask) !== (inner.addr[bit >> 3]! & mask)) return false;
  }
  return true;
}

function coverAddrs(entries: { key: AddrKey; bits: bigint[] }[]): Generation['addrs'] {
  return entries.map(({ key }) => {
    let bits = 0n;
    for (const other of entries) if (covers(other.key, key)) bits |= other.bits[0] ?? 0n;
    return { ...key, bits };
  });
}
