// Events of the credentials sensor (bpf/credentials.bpf.c): the setuid family and capset.
import type { CredIds } from './generated/abi.js';
import type { ProcessRef, RecordOrigin, SyscallOutcome } from './references.js';

/** How a credentials change raised privilege. */
export type PrivilegeRaise = 'uid_to_root' | 'gid_to_root' | 'caps_gained' | 'root_group_gained';

/** setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups, capset. */
export interface CredentialsChangeEvent extends SyscallOutcome {
  kind: 'credentials.change';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The ids passed, in the call's order (-1: unchanged); setgroups: the count; capset: none. */
  args: number[];
  before: CredIds;
  after: CredIds;
  /** The first supplementary groups after the call (after.ngroups says how many there are). */
  groups: number[];
  privilegeRaised: boolean;
  raisedBy: PrivilegeRaise[];
}
