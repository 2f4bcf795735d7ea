/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Layouts of the policy maps: what src/policy/ writes and bpf/policy*.bpf.c
 * read. A TracingPolicy is compiled into these entries; nothing of the YAML
 * reaches the kernel.
 *
 * How a policy is evaluated. Every filter entry of every selector (one item
 * of matchArgs, matchBinaries, matchPIDs or matchNamespaces) gets one bit of
 * a generation's filter bit space. For an event the programs look its
 * subjects up in the value maps below (the file's path and inode, the
 * binary's path and inode, the pids, the namespaces, the addresses) and OR
 * together the bits those lookups return: the filters that hold. A selector
 * matches when every bit of `require` is set and no bit of `forbid` is (a
 * Not... operator forbids its bit), and its directly evaluated filters
 * (integer arguments, capabilities) hold. Selectors of a rule are ORed: the
 * first that matches decides the actions.
 *
 * Generations. Every entry carries the generation (0 or 1) it belongs to, and
 * policy_config.gen_seq says which is live (gen_seq & 1). User space fills
 * the other generation completely, then flips gen_seq with one write; an
 * evaluation reads gen_seq once, so it sees one whole generation, never a mix
 * and never an empty one. The old generation's entries stay until the next
 * swap writes over them.
 */
#ifndef EBPIPE_POLICY_H
#define EBPIPE_POLICY_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum ebpipe_policy_limits {
	EBPIPE_POLICY_GENERATIONS = 2,
	/* Rules (hook entries of policies) per generation, over every hook. */
	EBPIPE_POLICY_MAX_RULES = 64,
	EBPIPE_POLICY_MAX_SELECTORS = 5,
	/* Filter bits per generation: EBPIPE_POLICY_BITS_WORDS * 64. */
	EBPIPE_POLICY_BITS_WORDS = 4,
	EBPIPE_POLICY_INT_FILTERS = 4,
	EBPIPE_POLICY_INT_VALUES = 8,
	EBPIPE_POLICY_NAME_LEN = 64,
	/* Bytes of a path kept in a name key (an LPM trie key holds 256 bytes of data). */
	EBPIPE_POLICY_STRING_MAX = 254,
	/* Ancestors looked at for matchPIDs followForks. */
	EBPIPE_POLICY_PID_DEPTH = 16,
	/* Bytes of the binary path kept per aggregation key. */
	EBPIPE_POLICY_AGG_BINARY_LEN = 256,
	EBPIPE_POLICY_SCRATCH_SLOTS = 4,
	/* Longest file name (last path component) a basename key holds; longer names are not filtered. */
	EBPIPE_POLICY_BASENAME_MAX = 248,
};

/* What a rule is attached to: the kind of operation, whatever mechanism catches it. */
enum ebpipe_policy_hook {
	/* A file opened by open, openat, openat2, creat (any open at lsm/file_open). */
	EBPIPE_HOOK_FILE_OPEN = 1,
	/* An outgoing TCP connection, as the SYN is about to be sent. */
	EBPIPE_HOOK_TCP_CONNECT = 2,
	EBPIPE_HOOK_MAX = 4,
};

/* How the kernel caught the operation; a policy event says which. */
enum ebpipe_policy_mechanism {
	/* syscalls/sys_exit_*: after the call, before the process returns to user space. */
	EBPIPE_MECH_SYSCALL_EXIT = 1,
	/* lsm/: before the operation, able to refuse it. */
	EBPIPE_MECH_LSM = 2,
	/* tp_btf/ on a kernel tracepoint (sock/inet_sock_set_state). */
	EBPIPE_MECH_TP_BTF = 3,
};

enum ebpipe_policy_action {
	EBPIPE_ACTION_POST = 1 << 0,
	EBPIPE_ACTION_SIGKILL = 1 << 1,
	EBPIPE_ACTION_SIGNAL = 1 << 2,
	EBPIPE_ACTION_OVERRIDE = 1 << 3,
	/* Post, at most once per rate_limit_ns per key; the rest are counted. */
	EBPIPE_ACTION_RATE_LIMIT = 1 << 4,
	/* Count per aggregation key instead of posting. */
	EBPIPE_ACTION_AGGREGATE = 1 << 5,
};

/* What a name key names. Reversed paths turn Postfix into a prefix match. */
enum ebpipe_policy_subject {
	EBPIPE_SUBJECT_FILE = 1,
	EBPIPE_SUBJECT_FILE_REVERSED = 2,
	EBPIPE_SUBJECT_BINARY = 3,
	EBPIPE_SUBJECT_BINARY_REVERSED = 4,
};

/* What an event's lookups need, per hook (policy_hook.needs), so a hook without such filters skips them. */
enum ebpipe_policy_needs {
	EBPIPE_NEED_PATH = 1 << 0,
	EBPIPE_NEED_PATH_REVERSED = 1 << 1,
	EBPIPE_NEED_BINARY = 1 << 2,
	EBPIPE_NEED_PIDS = 1 << 3,
	EBPIPE_NEED_PID_ANCESTORS = 1 << 4,
	EBPIPE_NEED_NS_PIDS = 1 << 5,
	EBPIPE_NEED_CAPS = 1 << 6,
	EBPIPE_NEED_PORTS = 1 << 7,
	EBPIPE_NEED_ADDRS = 1 << 8,
	EBPIPE_NEED_INODE = 1 << 9,
	/*
	 * The hook's only path filters are Equal values: a file whose name is none of
	 * theirs (policy_basenames) cannot match by path, so its path is not resolved.
	 */
	EBPIPE_NEED_BASENAME = 1 << 10,
};

/* Integer arguments of the open family, as the selector's int filters name them. */
enum ebpipe_policy_arg {
	EBPIPE_ARG_FD = 0,
	EBPIPE_ARG_DIRFD = 1,
	EBPIPE_ARG_FLAGS = 2,
	EBPIPE_ARG_MODE = 3,
	EBPIPE_ARG_MAX = 4,
};

enum ebpipe_policy_int_op {
	EBPIPE_INT_EQUAL = 1,
	EBPIPE_INT_NOT_EQUAL = 2,
	/* Any bit of any value is set in the argument. */
	EBPIPE_INT_MASK = 3,
	EBPIPE_INT_GREATER = 4,
	EBPIPE_INT_LESS = 5,
};

/* Namespace types, as matchNamespaces names them; the policy_ns_key type. */
enum ebpipe_policy_ns {
	EBPIPE_NS_UTS = 0,
	EBPIPE_NS_IPC = 1,
	EBPIPE_NS_MNT = 2,
	EBPIPE_NS_PID = 3,
	EBPIPE_NS_PID_FOR_CHILDREN = 4,
	EBPIPE_NS_NET = 5,
	EBPIPE_NS_CGROUP = 6,
	EBPIPE_NS_USER = 7,
	EBPIPE_NS_TIME = 8,
	EBPIPE_NS_TIME_FOR_CHILDREN = 9,
	EBPIPE_NS_MAX = 10,
};

enum ebpipe_policy_rate_scope {
	EBPIPE_RATE_THREAD = 0,
	EBPIPE_RATE_PROCESS = 1,
	EBPIPE_RATE_GLOBAL = 2,
};

/* Fields of an aggregation key (policy_selector.aggregate). */
enum ebpipe_policy_agg_field {
	EBPIPE_AGG_BINARY = 1 << 0,
	EBPIPE_AGG_PATH_PREFIX = 1 << 1,
	EBPIPE_AGG_DPORT = 1 << 2,
	EBPIPE_AGG_DADDR = 1 << 3,
	EBPIPE_AGG_UID = 1 << 4,
};

/* Per-rule kernel counters (policy_stats), per CPU. */
enum ebpipe_policy_counter {
	/* Events of the rule's hook and syscalls that reached its selectors. */
	EBPIPE_COUNT_EVALUATED = 0,
	EBPIPE_COUNT_MATCHED = 1,
	/* Policy events written to the ring (a full ring is counted in `drops`). */
	EBPIPE_COUNT_POSTED = 2,
	EBPIPE_COUNT_RATE_LIMITED = 3,
	EBPIPE_COUNT_AGGREGATED = 4,
	/* Aggregation keys that did not fit the map: the event was posted instead. */
	EBPIPE_COUNT_AGG_OVERFLOW = 5,
	EBPIPE_COUNT_SIGNALLED = 6,
	EBPIPE_COUNT_SIGNAL_FAILED = 7,
	EBPIPE_COUNT_OVERRIDDEN = 8,
	EBPIPE_COUNT_MAX = 9,
};

/* Per-hook kernel counters (policy_hook_stats), per CPU. */
enum ebpipe_policy_hook_counter {
	/* Operations the hook's programs saw while the hook had rules. */
	EBPIPE_HOOK_COUNT_SEEN = 0,
	/* ...that no rule could have matched (other syscall, failed call). */
	EBPIPE_HOOK_COUNT_SKIPPED = 1,
	/* Every per-CPU scratch slot was in use: the operation was not evaluated. */
	EBPIPE_HOOK_COUNT_SCRATCH_BUSY = 2,
	EBPIPE_HOOK_COUNT_MAX = 4,
};

struct policy_bits {
	__u64 w[EBPIPE_POLICY_BITS_WORDS];
};

/* policy_config[0]. */
struct policy_config {
	/* The live generation is gen_seq & 1; every swap adds one. */
	__u32 gen_seq;
	/* Aggregation counts go to keys of this epoch; user space flips it, then drains the other. */
	__u32 agg_epoch;
	/*
	 * The agent's own process: never evaluated, so a policy cannot kill the agent that
	 * enforces it (or make it fail to read its policy files).
	 */
	__u32 agent_tgid;
	__u32 _pad;
};

/* policy_hooks[gen * EBPIPE_HOOK_MAX + hook]: the hook's rules are policy_rules[first_rule, first_rule + n_rules). */
struct policy_hook_entry {
	__u32 first_rule;
	__u32 n_rules;
	/* enum ebpipe_policy_needs */
	__u32 needs;
	/* Namespace types (1 << enum ebpipe_policy_ns) some selector filters on. */
	__u32 namespaces;
	/* Union of the rules' syscall masks. */
	__u64 syscalls;
};

/* policy_rules[gen * EBPIPE_POLICY_MAX_RULES + rule]: one hook entry of one policy. */
struct policy_rule {
	/* The policy's id in this agent's run; events and counters name it. */
	__u32 policy_id;
	/* Index of the hook entry in its policy (spec.kprobes[i], ...). */
	__u16 rule_index;
	__u16 n_selectors;
	/* 1 << enum ebpipe_syscall the rule applies to; bit 0 (EBPIPE_SYS_NONE): opens outside those syscalls (lsm). */
	__u64 syscalls;
	/* The rule's selectors are policy_selectors[gen * MAX_RULES * MAX_SELECTORS + first_selector + i]. */
	__u32 first_selector;
	__u32 _pad;
	char policy[EBPIPE_POLICY_NAME_LEN];
};

struct policy_selector {
	struct policy_bits require;
	struct policy_bits forbid;
	/* Per capability set (effective, permitted, inheritable): a non-zero mask needs one of its caps held... */
	__u64 caps_any[3];
	/* ...and none of these. */
	__u64 caps_none[3];
	/* Integer filters: int_values[filter * EBPIPE_POLICY_INT_VALUES + i]. */
	__s64 int_values[EBPIPE_POLICY_INT_FILTERS * EBPIPE_POLICY_INT_VALUES];
	/* enum ebpipe_policy_arg per filter */
	__u8 int_arg[EBPIPE_POLICY_INT_FILTERS];
	/* enum ebpipe_policy_int_op per filter; 0 ends the list */
	__u8 int_op[EBPIPE_POLICY_INT_FILTERS];
	__u8 int_count[EBPIPE_POLICY_INT_FILTERS];
	__u32 _pad;
	/* enum ebpipe_policy_action */
	__u32 actions;
	/* Signal: the signal to send. */
	__s32 signal;
	/* Override: the value the operation returns (a negative errno). */
	__s32 error;
	/* enum ebpipe_policy_rate_scope */
	__u32 rate_scope;
	__u64 rate_limit_ns;
	/* enum ebpipe_policy_agg_field */
	__u32 aggregate;
	__u32 _pad2;
};

/*
 * policy_names (LPM trie): a path (or its reverse) under its generation and
 * subject. The longest entry that is a prefix of the looked-up path answers
 * for every shorter one: user space stores in each entry the bits of every
 * Prefix value that covers it.
 */
struct policy_name_key {
	/* Bits of gen, subject and data that must match. */
	__u32 prefixlen;
	__u8 gen;
	/* enum ebpipe_policy_subject */
	__u8 subject;
	__u8 data[EBPIPE_POLICY_STRING_MAX];
};

struct policy_name_value {
	/* Prefix (and Postfix, for reversed subjects) filters that hold for any path this entry is a prefix of. */
	struct policy_bits prefix;
	/* Equal and In filters that hold when the path is exactly this entry. */
	struct policy_bits exact;
	/* Bytes of path in this entry. */
	__u32 len;
	/* Aggregation: the id of the longest Prefix value covering this entry, 0 for none. */
	__u32 prefix_id;
};

/* policy_basenames: the last component of an Equal value's path; the value is unused (a u8). */
struct policy_basename_key {
	__u32 gen;
	__u32 len;
	char name[EBPIPE_POLICY_BASENAME_MAX];
};

/* policy_inodes: a file named by an Equal or In value, by identity: symlinks, hard links, `..` all lead here. */
struct policy_inode_key {
	/* As stat(2) reports st_dev. */
	__u64 dev;
	__u64 ino;
	__u32 gen;
	/* EBPIPE_SUBJECT_FILE or _BINARY */
	__u32 subject;
};

/* policy_pids: a pid of a matchPIDs value. */
struct policy_pid_key {
	__u32 gen;
	/* 1: the pid as seen in the task's own pid namespace (isNamespacePID). */
	__u32 ns;
	__u32 pid;
};

struct policy_pid_value {
	/* Filters that hold for this process itself... */
	struct policy_bits self;
	/* ...and for its descendants (followForks). */
	struct policy_bits descendants;
};

/* policy_namespaces: a namespace inode of a matchNamespaces value; the value is a policy_bits. */
struct policy_ns_key {
	__u32 gen;
	/* enum ebpipe_policy_ns */
	__u32 type;
	__u32 inum;
};

/* policy_ports: a port of an SPort/DPort value (ranges are expanded); the value is a policy_bits. */
struct policy_port_key {
	__u32 gen;
	/* 0: source port, 1: destination port */
	__u16 which;
	__u16 port;
};

/* policy_addrs (LPM trie): a CIDR of an SAddr/DAddr value; the value is a policy_bits, covering entries included. */
struct policy_addr_key {
	__u32 prefixlen;
	__u8 gen;
	/* 0: source, 1: destination */
	__u8 which;
	/* AF_INET or AF_INET6 */
	__u8 family;
	__u8 _pad;
	__u8 addr[16];
};

/* policy_processes (LRU, by tgid): a process's binary filter bits, computed once per image and generation. */
struct policy_process {
	__u64 start_ns;
	/* policy_config.gen_seq the bits were computed under. */
	__u32 gen_seq;
	__u32 _pad;
	__u64 exe_dev;
	__u64 exe_ino;
	struct policy_bits binary;
};

/* policy_rate_limits (LRU): when a rate-limited Post last fired for a key, and what it held back since. */
struct policy_rate_key {
	__u32 policy_id;
	__u16 rule_index;
	__u8 selector;
	/* enum ebpipe_policy_rate_scope */
	__u8 scope;
	/* tid, tgid, or 0 for the global scope. */
	__u32 scope_id;
	__u32 _pad;
	/* The subject: a file's identity, or a connection's destination. */
	__u64 dev;
	__u64 ino;
	__u8 addr[16];
	__u16 port;
	__u16 _pad2[3];
};

struct policy_rate_value {
	__u64 last_ns;
	__u64 suppressed;
};

/* policy_aggregates: one count per key and epoch; user space drains the epoch it is not writing. */
struct policy_agg_key {
	__u32 epoch;
	__u32 policy_id;
	__u16 rule_index;
	__u8 selector;
	__u8 _pad;
	__u32 prefix_id;
	__u32 uid;
	__u16 dport;
	__u16 family;
	__u8 daddr[16];
	__u64 exe_dev;
	__u64 exe_ino;
};

struct policy_agg_value {
	__u64 count;
	__u64 first_ns;
	__u64 last_ns;
	__u16 binary_len;
	__u16 _pad[3];
	char binary[EBPIPE_POLICY_AGG_BINARY_LEN];
};

struct policy_stats {
	__u64 counts[EBPIPE_COUNT_MAX];
};

struct policy_hook_stats {
	__u64 counts[EBPIPE_HOOK_COUNT_MAX];
};

#endif /* EBPIPE_POLICY_H */
