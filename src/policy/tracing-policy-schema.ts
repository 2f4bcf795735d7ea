// The subset of Cilium Tetragon's TracingPolicy that ebpipe runs, as a schema: keys outside it
// are errors naming the key, values outside it are errors naming what was expected. What each
// hook and operator means here is in config/policies/README.md; checks that need the hook (which
// arguments exist, which operators fit them) are in policy-plan.ts.
import { z } from 'zod';
import { parseDuration } from '../common/units.js';
import { expectations } from '../common/expectations.js';

/** A value as policies write them: Tetragon's are strings, YAML reads bare numbers as numbers. */
const scalar = z.union([z.string(), z.number()]);
expectations.add(scalar, { expected: 'a string or a number' });

const values = z.array(scalar).min(1);

/** `rateLimit`: seconds by default, or with an `m`/`h` suffix as in Tetragon; Go-style durations too. */
const rateLimit = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const text = String(value);
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `expected a time such as 5, 30s, 5m or 1h, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return ms;
});
expectations.add(rateLimit, { expected: 'a time such as 5 (seconds), 30s, 5m or 1h' });

const windowDuration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a window of at least 1s such as 10s or 1m, got ${JSON.stringify(text)}`,
    });
    return z.NEVER;
  }
  return ms;
});
expectations.add(windowDuration, { expected: 'a window of at least 1s such as 10s or 1m' });

export const ARG_OPERATORS = [
  'Equal',
  'NotEqual',
  'Prefix',
  'NotPrefix',
  'Postfix',
  'NotPostfix',
  'Mask',
  'GreaterThan',
  'GT',
  'LessThan',
  'LT',
  'SPort',
  'NotSPort',
  'DPort',
  'NotDPort',
  'SAddr',
  'NotSAddr',
  'DAddr',
  'NotDAddr',
] as const;
export type ArgOperator = (typeof ARG_OPERATORS)[number];

export const BINARY_OPERATORS = ['In', 'NotIn', 'Prefix', 'NotPrefix', 'Postfix', 'NotPostfix'] as const;
export type BinaryOperator = (typeof BINARY_OPERATORS)[number];

export const NAMESPACES = [
  'Uts',
  'Ipc',
  'Mnt',
  'Pid',
  'PidForChildren',
  'Net',
  'Cgroup',
  'User',
  'Time',
  'TimeForChildren',
] as const;
export type NamespaceName = (typeof NAMESPACES)[number];

export const CAPABILITY_SETS = ['Effective', 'Permitted', 'Inheritable'] as const;

export const AGGREGATE_KEYS = ['binary', 'pathPrefix', 'dport', 'daddr', 'uid'] as const;
export type AggregateKey = (typeof AGGREGATE_KEYS)[number];

const argSchema = z
  .object({
    index: z.number().int().min(0).max(15),
    type: z.string().min(1),
    /** Names the argument in Tetragon's output; ebpipe's events carry fixed fields instead. */
    label: z.string().optional(),
  })
  .strict();

const matchArgSchema = z
  .object({
    index: z.number().int().min(0).max(15),
    operator: z.enum(ARG_OPERATORS),
    values,
  })
  .strict();

const matchBinarySchema = z
  .object({
    operator: z.enum(BINARY_OPERATORS),
    values: z.array(z.string().min(1)).min(1),
  })
  .strict();

const matchPidSchema = z
  .object({
    operator: z.enum(['In', 'NotIn']),
    /** The process's descendants match too. */
    followForks: z.boolean().default(false),
    /** Values are pids as the process's own pid namespace numbers them. */
    isNamespacePID: z.boolean().default(false),
    values: z.array(z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])).min(1),
  })
  .strict();

const matchNamespaceSchema = z
  .object({
    namespace: z.enum(NAMESPACES),
    operator: z.enum(['In', 'NotIn']),
    /** Namespace inode numbers (as `lsns` or /proc/PID/ns/ show them), or host_ns. */
    values,
  })
  .strict();

const matchCapabilitySchema = z
  .object({
    type: z.enum(CAPABILITY_SETS).default('Effective'),
    operator: z.enum(['In', 'NotIn']),
    /** Capabilities of the user namespace the process is in: not supported (host capabilities only). */
    isNamespaceCapability: z.literal(false).optional(),
    values: z.array(z.string().regex(/^CAP_[A-Z_]+$/, 'expected a capability name such as CAP_SYS_ADMIN')).min(1),
  })
  .strict();

const aggregateSchema = z
  .object({
    /** What the counts are kept per: the policy's selector and these. */
    by: z.array(z.enum(AGGREGATE_KEYS)).min(1),
    /** How often a summary of the counts is emitted. */
    window: windowDuration.default(10_000),
  })
  .strict();

const actionSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('Post'),
      rateLimit: rateLimit.optional(),
      rateLimitScope: z.enum(['thread', 'process', 'global']).optional(),
      /** ebpipe: count matches per key in the kernel, and emit a summary per window instead of one event each. */
      aggregate: aggregateSchema.optional(),
    })
    .strict(),
  z.object({ action: z.literal('NoPost') }).strict(),
  z.object({ action: z.literal('Sigkill') }).strict(),
  z.object({ action: z.literal('Signal'), argSig: z.number().int().min(1).max(64) }).strict(),
  z.object({ action: z.literal('Override'), argError: z.number().int().min(-4095).max(-1) }).strict(),
]);

const selectorSchema = z
  .object({
    matchArgs: z.array(matchArgSchema).optional(),
    matchBinaries: z.array(matchBinarySchema).optional(),
    matchPIDs: z.array(matchPidSchema).optional(),
    matchNamespaces: z.array(matchNamespaceSchema).optional(),
    matchCapabilities: z.array(matchCapabilitySchema).optional(),
    matchActions: z.array(actionSchema).optional(),
  })
  .strict();

const hookFields = {
  args: z.array(argSchema).optional(),
  /** ORed; the first that matches decides the actions. */
  selectors: z.array(selectorSchema).max(5).optional(),
};

const kprobeSchema = z
  .object({
    /** A kernel function or system call (sys_openat); see the hook table in config/policies/README.md. */
    call: z.string().min(1),
    syscall: z.boolean().default(false),
    ...hookFields,
  })
  .strict();

const lsmHookSchema = z.object({ hook: z.string().min(1), ...hookFields }).strict();

const tracepointSchema = z.object({ subsystem: z.string().min(1), event: z.string().min(1), ...hookFields }).strict();

export const POLICY_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

export const tracingPolicySchema = z
  .object({
    apiVersion: z.literal('cilium.io/v1alpha1'),
    kind: z.literal('TracingPolicy'),
    metadata: z
      .object({
        name: z.string().regex(POLICY_NAME, 'expected a lower-case name of at most 63 letters, digits, "-" and "."'),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
      })
      .strict(),
    spec: z
      .object({
        kprobes: z.array(kprobeSchema).optional(),
        tracepoints: z.array(tracepointSchema).optional(),
        lsmhooks: z.array(lsmHookSchema).optional(),
      })
      .strict(),
  })
  .strict();

export type TracingPolicy = z.output<typeof tracingPolicySchema>;
export type PolicySelector = z.output<typeof selectorSchema>;
export type PolicyAction = z.output<typeof actionSchema>;
export type PolicyArg = z.output<typeof argSchema>;
export type MatchArg = z.output<typeof matchArgSchema>;
