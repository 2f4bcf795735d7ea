// The running agent's policy control channel: a Unix socket (root-only, mode 0600 in a 0700
// directory), one JSON request line in, one JSON response line out, then the connection
// closes. The agent learns who asked from the socket itself (SO_PEERCRED), never from the
// request, and records it in the change's audit event.
import type { ConfigIssue } from '../config/config-error.js';
import type { HookCounts } from './policy-maps.js';
import type { PolicyStatus } from './policy-set.js';

export const DEFAULT_POLICY_SOCKET = '/run/ebpipe/policy.sock';

/** Requests larger than this are refused (a policy file is a few KiB). */
export const MAX_REQUEST_BYTES = 1 << 20;

export type PolicyRequest =
  /** `file` names the policy in errors and audit events; the client read `text` from it. */
  | { op: 'add'; file: string; text: string }
  | { op: 'delete'; name: string }
  | { op: 'delete'; file: string }
  | { op: 'list' };

export type PolicyResponse =
  | { ok: true; op: 'add'; policy: PolicyStatus }
  | { ok: true; op: 'delete'; name: string }
  | {
      ok: true;
      op: 'list';
      /** The policy sensor's variant: lsm or tracepoint. */
      variant: string;
      policies: PolicyStatus[];
      hooks: Record<string, HookCounts>;
    }
  | { ok: false; code: string; message: string; issues?: ConfigIssue[] };
