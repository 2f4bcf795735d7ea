import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyAction, PolicyArg, PolicyHook, PolicyIntOp, Syscall } from '../events/generated/abi.js';
import { parsePolicy, PolicyFileError } from './policy-document.js';
import { planPolicy } from './policy-plan.js';
import type { PolicyVariant } from './hooks.js';
import { tracingPolicy } from '../testing/policies.js';

/** The problems of a policy text, as `line:col path: message`. */
function problems(text: string, variant: PolicyVariant = 'tracepoint'): string[] {
  try {
    planPolicy(parsePolicy(text, 'p.yaml'), variant);
  } catch (err) {
    if (!(err instanceof PolicyFileError)) throw err;
    return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
  }
  return [];
}

const NAME = 'block-secret-access';

// The talk's last policy: security_file_open, the file argument, Override and Sigkill.
const SECURE = tracingPolicy(
  NAME,
  `  kprobes:
  - call: security_file_open
    syscall: false
    args:
    - index: 0
      type: file
    selectors:
    - matchArgs:
      - index: 0
        operator: Equal
        values:
        - /my/extremely/secret/file
      matchBinaries:
      - operator: NotIn
        values:
        - /my/cat
      matchActions:
      - action: Override
        argError: -1
      - action: Sigkill
`,
);

describe('policy plans', () => {
  test("the talk's secure policy plans with BPF LSM: one rule, bits for the file and the binary, Override and Sigkill", () => {
    const plan = planPolicy(parsePolicy(SECURE, 'p.yaml'), 'lsm');
    assert.equal(plan.name, 'block-secret-access');
    assert.equal(plan.rules.length, 1);
    const [rule] = plan.rules;
    assert.equal(rule?.hook.kernelHook, PolicyHook.HOOK_FILE_OPEN);
    assert.equal(rule?.hook.syscalls & (1n << BigInt(Syscall.SYS_CREAT)), 1n << BigInt(Syscall.SYS_CREAT));
    const [selector] = rule?.selectors ?? [];
    assert.deepEqual(selector?.filters, [
      { kind: 'name', subject: 'file', match: 'exact', negate: false, values: ['/my/extremely/secret/file'] },
      { kind: 'name', subject: 'binary', match: 'exact', negate: true, values: ['/my/cat'] },
    ]);
    assert.equal(
      selector?.actions,
      PolicyAction.ACTION_OVERRIDE | PolicyAction.ACTION_SIGKILL | PolicyAction.ACTION_POST,
    );
    assert.equal(selector?.error, -1);
    assert.equal(selector?.signal, 9);
    assert.deepEqual(plan.filePaths, ['/my/extremely/secret/file']);
    assert.deepEqual(plan.binaryPaths, ['/my/cat']);
  });

  test('without BPF LSM, Override is an error at its line, naming why and what to do instead', () => {
    assert.deepEqual(problems(SECURE), [
      '23:17 spec.kprobes[0].selectors[0].matchActions[0].action: Override cannot be honoured here: this kernel allows no BPF LSM programs, ' +
        'so the open is caught at its syscall exit, after it happened: use Sigkill (the process dies before it can use the file), or boot with lsm=...,bpf',
    ]);
  });

  test("the slide's policy with matchBinaries and matchActions outside the selector: each misplaced key is named", () => {
    const text = tracingPolicy(
      NAME,
      `  kprobes:
  - call: sys_openat
    syscall: true
    args:
    - index: 1
      type: string
    selectors:
    - matchArgs:
      - index: 1
        operator: Equals
        values:
        - /my/extremely/secret/file
    matchBinaries:
    - operator: NotIn
      values:
      - /my/cat
    matchActions:
    - action: Sigkill
`,
    );
    assert.deepEqual(problems(text), [
      '15:19 spec.kprobes[0].selectors[0].matchArgs[0].operator: expected one of "Equal", "NotEqual", "Prefix", "NotPrefix", "Postfix", ' +
        '"NotPostfix", "Mask", "GreaterThan", "GT", "LessThan", "LT", "SPort", "NotSPort", "DPort", "NotDPort", "SAddr", "NotSAddr", ' +
        '"DAddr", "NotDAddr" (did you mean "Equal"?), got "Equals"',
      '18:5 spec.kprobes[0].matchBinaries: unknown key "matchBinaries" (expected one of: call, syscall, args, selectors)',
      '22:5 spec.kprobes[0].matchActions: unknown key "matchActions" (expected one of: call, syscall, args, selectors)',
    ]);
  });

  test('sys_openat covers openat only, its name argument and its flags; int operators apply to flags', () => {
    const text = tracingPolicy(
      NAME,
      `  kprobes:
  - call: sys_openat
    syscall: true
    args:
    - index: 1
      type: string
    - index: 2
      type: int
    selectors:
    - matchArgs:
      - index: 1
        operator: Prefix
        values: [/etc/]
      - index: 2
        operator: Mask
        values: ["0x241", 1]
`,
    );
    const plan = planPolicy(parsePolicy(text, 'p.yaml'), 'tracepoint');
    const [rule] = plan.rules;
    assert.equal(rule?.hook.syscalls, 1n << BigInt(Syscall.SYS_OPENAT));
    assert.match(rule?.hook.note ?? '', /covers openat\(2\) only/);
    assert.deepEqual(rule?.selectors[0]?.ints, [
      { slot: PolicyArg.ARG_FLAGS, op: PolicyIntOp.INT_MASK, values: [0x241n, 1n] },
    ]);
    assert.deepEqual(rule?.selectors[0]?.prefixes, ['/etc/']);
  });

  test('hooks, arguments and operators outside the subset are errors, never ignored', () => {
    const text = tracingPolicy(
      NAME,
      `  kprobes:
  - call: security_bprm_check
  - call: sys_openat
    args:
    - index: 1
      type: file
    - index: 3
      type: int
  - call: security_file_open
    args:
    - index: 0
      type: file
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values: [/x]
      - index: 0
        operator: Mask
        values: [1]
      - index: 0
        operator: Prefix
        values: [relative/]
      matchActions:
      - action: Post
        rateLimitScope: process
      - action: NoPost
  uprobes: []
`,
    );
    assert.deepEqual(problems(text), ['33:3 spec.uprobes: unknown key "uprobes" (did you mean "kprobes"?)']);
    const withoutUprobes = text.replace('  uprobes: []\n', '');
    assert.deepEqual(problems(withoutUprobes), [
      '7:11 spec.kprobes[0].call: ebpipe cannot hook "security_bprm_check" (supported: security_file_open, fd_install, sys_open, sys_openat, sys_openat2, sys_creat, tcp_connect)',
      '8:5 spec.kprobes[1].syscall: sys_openat is a system call: expected syscall: true',
      '11:13 spec.kprobes[1].args[0].type: argument 1 of kprobe sys_openat is read as one of string, filename, not "file"',
      '20:16 spec.kprobes[2].selectors[0].matchArgs[0].index: argument 1 is not declared in args of kprobe security_file_open',
      '24:19 spec.kprobes[2].selectors[0].matchArgs[1].operator: Mask does not apply to a file argument (use Equal, NotEqual, Prefix, NotPrefix, Postfix, NotPostfix)',
      '28:18 spec.kprobes[2].selectors[0].matchArgs[2].values[0]: expected an absolute path: the kernel matches the resolved path of the file, which starts with "/"',
      '31:9 spec.kprobes[2].selectors[0].matchActions[0].rateLimitScope: rateLimitScope needs a rateLimit',
      '32:17 spec.kprobes[2].selectors[0].matchActions[1].action: NoPost contradicts the Post at matchActions[0]',
    ]);
  });

  test('rate limits, aggregation and namespaces are read into kernel terms', () => {
    const text = tracingPolicy(
      NAME,
      `  lsmhooks:
  - hook: file_open
    args:
    - index: 0
      type: file
    selectors:
    - matchArgs:
      - index: 0
        operator: Prefix
        values: [/var/log/, /etc/]
      matchNamespaces:
      - namespace: Mnt
        operator: NotIn
        values: [4026531841]
      matchActions:
      - action: Post
        aggregate:
          by: [binary, pathPrefix]
          window: 30s
    - matchActions:
      - action: Post
        rateLimit: 5m
        rateLimitScope: global
`,
    );
    const plan = planPolicy(parsePolicy(text, 'p.yaml'), 'tracepoint');
    const [aggregated, limited] = plan.rules[0]?.selectors ?? [];
    assert.equal(aggregated?.actions, PolicyAction.ACTION_AGGREGATE);
    assert.equal(aggregated?.aggregateWindowMs, 30_000);
    assert.deepEqual(aggregated?.prefixes, ['/var/log/', '/etc/']);
    assert.deepEqual(aggregated?.filters[1], { kind: 'namespace', negate: true, type: 2, values: [4026531841] });
    assert.equal(limited?.actions, PolicyAction.ACTION_POST | PolicyAction.ACTION_RATE_LIMIT);
    assert.equal(limited?.rateLimitMs, 300_000);
  });

  test('aggregation keys must fit the hook, and pathPrefix needs a Prefix filter', () => {
    const text = tracingPolicy(
      NAME,
      `  kprobes:
  - call: security_file_open
    selectors:
    - matchActions:
      - action: Post
        aggregate:
          by: [dport, pathPrefix]
`,
    );
    assert.deepEqual(problems(text), [
      "12:16 spec.kprobes[0].selectors[0].matchActions[0].aggregate.by[0]: dport is not a field of kprobe security_file_open's operations",
      '12:23 spec.kprobes[0].selectors[0].matchActions[0].aggregate.by[1]: pathPrefix needs a matchArgs Prefix filter on the file in this selector',
    ]);
  });
});
