// Events of the policy engine (src/policy/): what a policy's selector matched in the kernel
// and what was done about it, the in-kernel aggregation's periodic counts, and the audit
// trail of policy changes. Part of the Event union in model.ts.
import type { Credentials } from './generated/abi.js';
import type { ProcessRef, RecordOrigin, SocketAddress } from './references.js';

/** What was done (enum ebpipe_policy_action): `post` is this event itself. */
export type PolicyActionTaken = 'post' | 'sigkill' | 'signal' | 'override' | 'rate_limit';

/** The kernel hook that caught the operation. */
export type PolicyHookName = 'file_open' | 'tcp_connect';

/** How: a syscall's exit tracepoint (after the call, before the return), an LSM hook (before), a BTF tracepoint. */
export type PolicyMechanism = 'syscall_exit' | 'lsm' | 'tp_btf';

export interface PolicyFileRef {
  /** The opened file's absolute path, resolved by the kernel (symlinks and `..` followed). */
  path: string;
  pathTruncated: boolean;
  dev: number;
  ino: number;
  /** O_* flags as passed (creat's O_CREAT|O_WRONLY|O_TRUNC included). */
  openFlags: number;
}

export interface PolicyConnectionRef {
  family: 'ipv4' | 'ipv6';
  /** The source port is 0 when the kernel had not chosen it yet (unbound sockets). */
  local: SocketAddress;
  remote: SocketAddress;
}

/** A selector of a policy matched an operation; enforcement already happened in the kernel. */
export interface PolicyMatchEvent {
  kind: 'policy.match';
  origin: RecordOrigin;
  process: ProcessRef;
  /** metadata.name of the policy. */
  policy: string;
  /** The policy's id in this agent's run (it changes when the policy is reloaded). */
  policyId: number;
  /** The hook entry of the policy (kprobes, then tracepoints, then lsmhooks) and its selector. */
  ruleIndex: number;
  selector: number;
  hook: PolicyHookName;
  mechanism: PolicyMechanism;
  /** The system call, when the hook knows it (`openat`, `connect`); '' otherwise. */
  syscall: string;
  actions: PolicyActionTaken[];
  /** SIGKILL was sent to the process and the kernel accepted it. */
  killed: boolean;
  /** The signal sent (Sigkill: 9, Signal: argSig), 0 for none; signalResult is bpf_send_signal's 0 or -errno. */
  signal: number;
  signalResult: number;
  /** Override: the operation failed with this -errno instead; 0 when not overridden. */
  error: number;
  /** The system call's result at its exit (the fd); 0 when caught before the call completed. */
  result: number;
  creds: Credentials;
  /** Rate-limited Post: matches of the same key held back since the previous event. */
  suppressed: number;
  file?: PolicyFileRef;
  connection?: PolicyConnectionRef;
}

/** How many matches the kernel counted for one aggregation key over a window, instead of one event each. */
export interface PolicySummaryEvent {
  kind: 'policy.summary';
  origin: RecordOrigin;
  /** The binary of the key, when the key has one; pid 0 otherwise. */
  process: ProcessRef;
  policy: string;
  ruleIndex: number;
  selector: number;
  /** The key's fields, as the selector's `aggregate.by` named them. */
  key: { binary?: string; pathPrefix?: string; dport?: number; daddr?: string; uid?: number };
  /** Matches folded into this summary. */
  count: number;
  /** Boot-clock times of the first and last match in the window. */
  firstKtime: number;
  lastKtime: number;
  windowMs: number;
}

/** A policy was added, replaced or deleted, or a change was refused (the old policy stays in force). */
export interface PolicyAuditEvent {
  kind: 'policy.audit';
  origin: RecordOrigin;
  /** Who asked: the control socket's peer, or the agent itself for its policy directory. */
  process: ProcessRef;
  action: 'add' | 'replace' | 'delete';
  result: 'applied' | 'rejected';
  policy: string;
  file: string;
  /** sha256 of the file's bytes; '' for a delete. */
  sha256: string;
  /** `cli` (ebpipe policy over the control socket), `watch` (the policy directory), `startup`. */
  via: 'cli' | 'watch' | 'startup';
  /** Why a change was rejected: the file's problems, one per line. */
  reason?: string;
}

export type PolicyEvent = PolicyMatchEvent | PolicySummaryEvent | PolicyAuditEvent;
