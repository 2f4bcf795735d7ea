// Checks one policy against the hooks this agent honours and turns it into a plan: per hook
// entry, the kernel hook, the system calls, and per selector its filters and actions in the
// kernel's terms. Every problem names its place in the file; nothing is applied unless the
// whole policy is valid. Filter bits are given out later, for all loaded policies together
// (policy-generation.ts).
import type { ConfigIssue, ConfigPath } from '../config/config-error.js';
import { PolicyAction, PolicyAggField, PolicyIntOp, PolicyRateScope } from '../events/generated/abi.js';
import {
  kprobeHook,
  lsmHook,
  overrideUnavailable,
  SUPPORTED_KPROBES,
  SUPPORTED_LSM_HOOKS,
  SUPPORTED_TRACEPOINTS,
  tracepointHook,
  type HookArg,
  type HookSpec,
  type PolicyVariant,
} from './hooks.js';
import { PolicyFileError, type PolicyDocument } from './policy-document.js';
import {
  capabilityNumber,
  hostNamespaceInode,
  NAMESPACE_TYPES,
  parseCidr,
  parseInteger,
  parsePortRange,
  type Cidr,
} from './policy-values.js';
import {
  CAPABILITY_SETS,
  type MatchArg,
  type PolicyAction as ActionSpec,
  type PolicyArg,
  type PolicySelector,
} from './tracing-policy-schema.js';

/** Longest path a name filter can hold (an LPM trie key's data, bpf/include/policy.h). */
export const MAX_NAME_BYTES = 254;
const MAX_INT_FILTERS = 4;
const MAX_INT_VALUES = 8;

/** A filter evaluated through lookups: it holds when the operation's subject is in its value set. */
export type BitFilter =
  | {
      kind: 'name';
      subject: 'file' | 'binary';
      match: 'exact' | 'prefix' | 'postfix';
      negate: boolean;
      values: string[];
    }
  | { kind: 'pid'; negate: boolean; followForks: boolean; namespaced: boolean; values: number[] }
  | { kind: 'namespace'; negate: boolean; type: number; values: number[] }
  | { kind: 'port'; negate: boolean; which: 0 | 1; ranges: [number, number][] }
  | { kind: 'addr'; negate: boolean; which: 0 | 1; cidrs: Cidr[] };

export interface IntFilter {
  /** enum ebpipe_policy_arg */
  slot: number;
  /** enum ebpipe_policy_int_op */
  op: number;
  values: bigint[];
}

export interface SelectorPlan {
  filters: BitFilter[];
  ints: IntFilter[];
  /** Per capability set (effective, permitted, inheritable). */
  capsAny: [bigint, bigint, bigint];
  capsNone: [bigint, bigint, bigint];
  /** enum ebpipe_policy_action */
  actions: number;
  signal: number;
  error: number;
  rateLimitMs: number;
  rateScope: number;
  /** enum ebpipe_policy_agg_field */
  aggregate: number;
  aggregateWindowMs: number;
  /** The selector's file Prefix values: summaries name the one a count fell under. */
  prefixes: string[];
}

export interface RulePlan {
  /** The hook entry's index in the policy (kprobes, then tracepoints, then lsmhooks). */
  index: number;
  hook: HookSpec;
  selectors: SelectorPlan[];
}

export interface PolicyPlan {
  name: string;
  rules: RulePlan[];
  /** Paths named by Equal/In filters: their inodes are matched too, and watched for replacement. */
  filePaths: string[];
  binaryPaths: string[];
}

type Problems = ConfigIssue[];

const SIGNAL_KILL = 9;

export function planPolicy(doc: PolicyDocument, variant: PolicyVariant): PolicyPlan {
  const problems: Problems = [];
  const { spec } = doc.policy;
  const entries: { path: ConfigPath; hook: HookSpec | undefined; args?: PolicyArg[]; selectors?: PolicySelector[] }[] =
    [];
  spec.kprobes?.forEach((k, i) => {
    const path = ['spec', 'kprobes', i];
    const hook = kprobeHook(k.call);
    if (!hook) {
      problems.push(
        doc.issue(
          [...path, 'call'],
          'value',
          `ebpipe cannot hook ${JSON.stringify(k.call)} (supported: ${SUPPORTED_KPROBES.join(', ')})`,
        ),
      );
    } else if (k.syscall !== hook.isSyscall) {
      problems.push(
        doc.issue(
          [...path, 'syscall'],
          'value',
          `${k.call} ${hook.isSyscall ? 'is' : 'is not'} a system call: expected syscall: ${hook.isSyscall}`,
        ),
      );
    }
    entries.push({ path, hook, ...pick(k) });
  });
  spec.tracepoints?.forEach((t, i) => {
    const path = ['spec', 'tracepoints', i];
    const hook = tracepointHook(t.subsystem, t.event);
    if (!hook) {
      problems.push(
        doc.issue(
          [...path, 'event'],
          'value',
          `ebpipe cannot hook tracepoint ${t.subsystem}/${t.event} (supported: ${SUPPORTED_TRACEPOINTS.join(', ')})`,
        ),
      );
    }
    entries.push({ path, hook, ...pick(t) });
  });
  spec.lsmhooks?.forEach((l, i) => {
    const path = ['spec', 'lsmhooks', i];
    const hook = lsmHook(l.hook);
    if (!hook) {
      problems.push(
        doc.issue(
          [...path, 'hook'],
          'value',
          `ebpipe cannot hook lsm hook ${JSON.stringify(l.hook)} (supported: ${SUPPORTED_LSM_HOOKS.join(', ')})`,
        ),
      );
    }
    entries.push({ path, hook, ...pick(l) });
  });
  if (entries.length === 0)
    problems.push(doc.issue(['spec'], 'key', 'the policy hooks nothing: expected kprobes, tracepoints or lsmhooks'));

  const plan: PolicyPlan = { name: doc.policy.metadata.name, rules: [], filePaths: [], binaryPaths: [] };
  entries.forEach((entry, index) => {
    if (!entry.hook) return;
    const declared = checkArgs(doc, entry.hook, entry.args ?? [], entry.path, problems);
    const selectors = entry.selectors?.length ? entry.selectors : [{}];
    const planned = selectors.map((s, i) =>
      planSelector(
        doc,
        { hook: entry.hook!, variant, declared, path: [...entry.path, 'selectors', i], problems, plan },
        s,
      ),
    );
    plan.rules.push({ index, hook: entry.hook, selectors: planned });
  });
  if (problems.length > 0) throw new PolicyFileError(doc.file, problems);
  plan.filePaths = [...new Set(plan.filePaths)];
  plan.binaryPaths = [...new Set(plan.binaryPaths)];
  return plan;
}

function pick(entry: { args?: PolicyArg[] | undefined; selectors?: PolicySelector[] | undefined }): {
  args?: PolicyArg[];
  selectors?: PolicySelector[];
} {
  return { ...(entry.args && { args: entry.args }), ...(entry.selectors && { selectors: entry.selectors }) };
}

/** The hook's arguments the policy declared, checked against what the hook has. */
function checkArgs(
  doc: PolicyDocument,
  hook: HookSpec,
  args: PolicyArg[],
  path: ConfigPath,
  problems: Problems,
): Map<number, HookArg> {
  const declared = new Map<number, HookArg>();
  args.forEach((arg, i) => {
    const at = [...path, 'args', i];
    const known = hook.args.get(arg.index);
    if (!known) {
      const indexes = [...hook.args.keys()].join(', ');
      problems.push(
        doc.issue(
          [...at, 'index'],
          'value',
          `${hook.title} has no argument ${arg.index} ebpipe can read (it reads: ${indexes})`,
        ),
      );
    } else if (!known.types.includes(arg.type)) {
      problems.push(
        doc.issue(
          [...at, 'type'],
          'value',
          `argument ${arg.index} of ${hook.title} is read as one of ${known.types.join(', ')}, not ${JSON.stringify(arg.type)}`,
        ),
      );
    } else if (declared.has(arg.index)) {
      problems.push(doc.issue([...at, 'index'], 'value', `argument ${arg.index} is declared twice`));
    } else {
      declared.set(arg.index, known);
    }
  });
  return declared;
}

interface SelectorContext {
  hook: HookSpec;
  variant: PolicyVariant;
  declared: Map<number, HookArg>;
  path: ConfigPath;
  problems: Problems;
  plan: PolicyPlan;
}

function emptySelector(): SelectorPlan {
  return {
    filters: [],
    ints: [],
    capsAny: [0n, 0n, 0n],
    capsNone: [0n, 0n, 0n],
    actions: 0,
    signal: 0,
    error: 0,
    rateLimitMs: 0,
    rateScope: PolicyRateScope.RATE_THREAD,
    aggregate: 0,
    aggregateWindowMs: 0,
    prefixes: [],
  };
}

function planSelector(doc: PolicyDocument, ctx: SelectorContext, s: PolicySelector): SelectorPlan {
  const out = emptySelector();
  s.matchArgs?.forEach((m, i) => planMatchArg(doc, ctx, out, m, [...ctx.path, 'matchArgs', i]));
  s.matchBinaries?.forEach((m, i) => {
    const at = [...ctx.path, 'matchBinaries', i];
    const negate = m.operator.startsWith('Not');
    const match = m.operator.endsWith('In') ? 'exact' : m.operator.endsWith('Prefix') ? 'prefix' : 'postfix';
    const values = nameValues(doc, ctx, m.values, match, [...at, 'values']);
    if (match === 'exact') ctx.plan.binaryPaths.push(...values);
    out.filters.push({ kind: 'name', subject: 'binary', match, negate, values });
  });
  for (const m of s.matchPIDs ?? []) {
    out.filters.push({
      kind: 'pid',
      negate: m.operator === 'NotIn',
      followForks: m.followForks,
      namespaced: m.isNamespacePID,
      values: m.values.map(Number),
    });
  }
  s.matchNamespaces?.forEach((m, i) => {
    const at = [...ctx.path, 'matchNamespaces', i];
    const inodes: number[] = [];
    m.values.forEach((v, j) => {
      const inode = v === 'host_ns' ? hostNamespaceInode(m.namespace) : parseInteger(v);
      if (inode === undefined || inode <= 0n || inode > 0xffffffffn) {
        const why =
          v === 'host_ns'
            ? `the host's ${m.namespace} namespace could not be read from /proc/1/ns or /proc/self/ns`
            : 'expected a namespace inode number or host_ns';
        ctx.problems.push(doc.issue([...at, 'values', j], 'value', why));
      } else {
        inodes.push(Number(inode));
      }
    });
    out.filters.push({
      kind: 'namespace',
      negate: m.operator === 'NotIn',
      type: NAMESPACE_TYPES[m.namespace].type,
      values: inodes,
    });
  });
  const capSetsSeen = new Set<string>();
  s.matchCapabilities?.forEach((m, i) => {
    const at = [...ctx.path, 'matchCapabilities', i];
    const set = CAPABILITY_SETS.indexOf(m.type);
    if (capSetsSeen.has(`${m.type}/${m.operator}`)) {
      ctx.problems.push(
        doc.issue([...at, 'type'], 'value', `a second ${m.operator} filter on ${m.type}: put its values in the first`),
      );
    }
    capSetsSeen.add(`${m.type}/${m.operator}`);
    let mask = 0n;
    m.values.forEach((name, j) => {
      const n = capabilityNumber(name);
      if (n === undefined) ctx.problems.push(doc.issue([...at, 'values', j], 'value', `unknown capability ${name}`));
      else mask |= 1n << BigInt(n);
    });
    const sets = m.operator === 'In' ? out.capsAny : out.capsNone;
    sets[set as 0 | 1 | 2] |= mask;
  });
  planActions(doc, ctx, out, s.matchActions ?? [], [...ctx.path, 'matchActions']);
  return out;
}

function planMatchArg(doc: PolicyDocument, ctx: SelectorContext, out: SelectorPlan, m: MatchArg, at: ConfigPath): void {
  const arg = ctx.declared.get(m.index);
  if (!arg) {
    ctx.problems.push(
      doc.issue([...at, 'index'], 'value', `argument ${m.index} is not declared in args of ${ctx.hook.title}`),
    );
    return;
  }
  const op = m.operator;
  const wrongOperator = (allowed: string): void => {
    ctx.problems.push(
      doc.issue([...at, 'operator'], 'value', `${op} does not apply to a ${arg.role} argument (use ${allowed})`),
    );
  };
  if (arg.role === 'file') {
    const match = /Equal$/.test(op)
      ? 'exact'
      : /Prefix$/.test(op)
        ? 'prefix'
        : /Postfix$/.test(op)
          ? 'postfix'
          : undefined;
    if (!match) return wrongOperator('Equal, NotEqual, Prefix, NotPrefix, Postfix, NotPostfix');
    const values = nameValues(doc, ctx, m.values, match, [...at, 'values']);
    if (match === 'exact') ctx.plan.filePaths.push(...values);
    if (match === 'prefix' && op === 'Prefix') out.prefixes.push(...values);
    out.filters.push({ kind: 'name', subject: 'file', match, negate: op.startsWith('Not'), values });
  } else if (arg.role === 'sock') {
    const which = op.includes('SPort') || op.includes('SAddr') ? 0 : 1;
    const negate = op.startsWith('Not');
    if (/Port$/.test(op)) {
      const ranges = m.values.flatMap((v, j) => {
        const r = parsePortRange(v);
        if (!r)
          ctx.problems.push(doc.issue([...at, 'values', j], 'value', 'expected a port or a range such as 1024:65535'));
        return r ? [r] : [];
      });
      out.filters.push({ kind: 'port', negate, which, ranges });
    } else if (/Addr$/.test(op)) {
      const cidrs = m.values.flatMap((v, j) => {
        const c = parseCidr(v);
        if (!c)
          ctx.problems.push(
            doc.issue([...at, 'values', j], 'value', 'expected an IP address or a CIDR such as 10.0.0.0/8'),
          );
        return c ? [c] : [];
      });
      out.filters.push({ kind: 'addr', negate, which, cidrs });
    } else {
      return wrongOperator('SPort, NotSPort, DPort, NotDPort, SAddr, NotSAddr, DAddr, NotDAddr');
    }
  } else {
    const ops: Readonly<Record<string, number>> = {
      Equal: PolicyIntOp.INT_EQUAL,
      NotEqual: PolicyIntOp.INT_NOT_EQUAL,
      Mask: PolicyIntOp.INT_MASK,
      GreaterThan: PolicyIntOp.INT_GREATER,
      GT: PolicyIntOp.INT_GREATER,
      LessThan: PolicyIntOp.INT_LESS,
      LT: PolicyIntOp.INT_LESS,
    };
    const intOp = ops[op];
    if (intOp === undefined) return wrongOperator('Equal, NotEqual, Mask, GreaterThan, LessThan');
    const single = intOp === PolicyIntOp.INT_GREATER || intOp === PolicyIntOp.INT_LESS;
    if (single && m.values.length !== 1)
      ctx.problems.push(doc.issue([...at, 'values'], 'key', `${op} takes one value`));
    if (m.values.length > MAX_INT_VALUES)
      ctx.problems.push(doc.issue([...at, 'values'], 'key', `at most ${MAX_INT_VALUES} values per integer filter`));
    if (out.ints.length === MAX_INT_FILTERS)
      ctx.problems.push(doc.issue(at, 'key', `at most ${MAX_INT_FILTERS} integer filters per selector`));
    const values = m.values.flatMap((v, j) => {
      const n = parseInteger(v);
      if (n === undefined)
        ctx.problems.push(
          doc.issue([...at, 'values', j], 'value', 'expected an integer (decimal, 0x hex or 0o octal)'),
        );
      return n === undefined ? [] : [n];
    });
    out.ints.push({ slot: arg.slot ?? 0, op: intOp, values });
  }
}

/** Path values of a name filter; Equal and Prefix values name absolute paths. */
function nameValues(
  doc: PolicyDocument,
  ctx: SelectorContext,
  values: readonly (string | number)[],
  match: string,
  at: ConfigPath,
): string[] {
  return values.flatMap((raw, j) => {
    // Tetragon's string examples end some values in \0; the kernel compares without it.
    const value = String(raw).replace(/\0+$/, '');
    if (value === '') {
      ctx.problems.push(doc.issue([...at, j], 'value', 'expected a non-empty path'));
      return [];
    }
    if (match !== 'postfix' && !value.startsWith('/')) {
      ctx.problems.push(
        doc.issue(
          [...at, j],
          'value',
          `expected an absolute path: the kernel matches the resolved path of the file, which starts with "/"`,
        ),
      );
      return [];
    }
    if (Buffer.byteLength(value) > MAX_NAME_BYTES) {
      ctx.problems.push(doc.issue([...at, j], 'value', `paths of more than ${MAX_NAME_BYTES} bytes are not supported`));
      return [];
    }
    return [value];
  });
}

function planActions(
  doc: PolicyDocument,
  ctx: SelectorContext,
  out: SelectorPlan,
  actions: ActionSpec[],
  at: ConfigPath,
): void {
  const seen = new Map<string, number>();
  let post = true;
  actions.forEach((a, i) => {
    const here = [...at, i];
    const twice = seen.get(a.action);
    if (twice !== undefined) {
      ctx.problems.push(
        doc.issue([...here, 'action'], 'value', `${a.action} is already asked for at matchActions[${twice}]`),
      );
      return;
    }
    seen.set(a.action, i);
    switch (a.action) {
      case 'Post':
        if (a.rateLimitScope && a.rateLimit === undefined) {
          ctx.problems.push(doc.issue([...here, 'rateLimitScope'], 'key', 'rateLimitScope needs a rateLimit'));
        }
        if (a.rateLimit !== undefined) {
          if (a.aggregate)
            ctx.problems.push(
              doc.issue(
                [...here, 'aggregate'],
                'key',
                'aggregate and rateLimit cannot be combined: aggregate already folds repeats',
              ),
            );
          out.actions |= PolicyAction.ACTION_RATE_LIMIT;
          out.rateLimitMs = a.rateLimit;
          out.rateScope = {
            thread: PolicyRateScope.RATE_THREAD,
            process: PolicyRateScope.RATE_PROCESS,
            global: PolicyRateScope.RATE_GLOBAL,
          }[a.rateLimitScope ?? 'thread'];
        }
        if (a.aggregate) planAggregate(doc, ctx, out, a.aggregate, [...here, 'aggregate']);
        break;
      case 'NoPost':
        post = false;
        break;
      case 'Sigkill':
      case 'Signal': {
        const other = seen.get(a.action === 'Sigkill' ? 'Signal' : 'Sigkill');
        if (other !== undefined) {
          ctx.problems.push(
            doc.issue(
              [...here, 'action'],
              'value',
              `one signal per selector: matchActions[${other}] already sends one`,
            ),
          );
          break;
        }
        out.actions |= a.action === 'Sigkill' ? PolicyAction.ACTION_SIGKILL : PolicyAction.ACTION_SIGNAL;
        out.signal = a.action === 'Sigkill' ? SIGNAL_KILL : a.argSig;
        break;
      }
      case 'Override': {
        const why = overrideUnavailable(ctx.hook, ctx.variant);
        if (why) {
          ctx.problems.push(doc.issue([...here, 'action'], 'value', `Override cannot be honoured here: ${why}`));
          break;
        }
        out.actions |= PolicyAction.ACTION_OVERRIDE;
        out.error = a.argError;
        break;
      }
    }
  });
  if (seen.has('Post') && seen.has('NoPost')) {
    ctx.problems.push(
      doc.issue(
        [...at, seen.get('NoPost')!, 'action'],
        'value',
        `NoPost contradicts the Post at matchActions[${seen.get('Post')}]`,
      ),
    );
  }
  if (post) out.actions |= out.aggregate ? PolicyAction.ACTION_AGGREGATE : PolicyAction.ACTION_POST;
}

const AGGREGATE_FIELDS = {
  binary: PolicyAggField.AGG_BINARY,
  pathPrefix: PolicyAggField.AGG_PATH_PREFIX,
  dport: PolicyAggField.AGG_DPORT,
  daddr: PolicyAggField.AGG_DADDR,
  uid: PolicyAggField.AGG_UID,
} as const;

function planAggregate(
  doc: PolicyDocument,
  ctx: SelectorContext,
  out: SelectorPlan,
  aggregate: { by: (keyof typeof AGGREGATE_FIELDS)[]; window: number },
  at: ConfigPath,
): void {
  const fileHook = ctx.hook.args.get(0)?.role !== 'sock';
  aggregate.by.forEach((key, j) => {
    const fits = key === 'pathPrefix' ? fileHook : key === 'dport' || key === 'daddr' ? !fileHook : true;
    if (!fits)
      ctx.problems.push(
        doc.issue([...at, 'by', j], 'value', `${key} is not a field of ${ctx.hook.title}'s operations`),
      );
    if (key === 'pathPrefix' && fileHook && out.prefixes.length === 0) {
      ctx.problems.push(
        doc.issue([...at, 'by', j], 'value', 'pathPrefix needs a matchArgs Prefix filter on the file in this selector'),
      );
    }
    out.aggregate |= AGGREGATE_FIELDS[key];
  });
  out.aggregateWindowMs = aggregate.window;
}
