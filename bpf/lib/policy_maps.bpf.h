/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy maps (layouts in bpf/include/policy.h). Every policy object
 * declares them; the first one loaded creates them and the others reuse them
 * by name (src/kernel/sensor-loader.ts), like the shared maps of maps.bpf.h.
 */
#ifndef EBPIPE_POLICY_MAPS_BPF_H
#define EBPIPE_POLICY_MAPS_BPF_H

#include "events.h"
#include "policy.h"
#include "maps.bpf.h"

#define POLICY_SELECTOR_SLOTS (EBPIPE_POLICY_MAX_RULES * EBPIPE_POLICY_MAX_SELECTORS)

/* What one evaluation knows of the operation; kept in the scratch slot, the BPF stack is too small. */
struct policy_state {
	/* The filters that hold, from every subject's lookups. */
	struct policy_bits matched;
	/* enum ebpipe_policy_arg */
	__s64 args[EBPIPE_ARG_MAX];
	/* Effective, permitted, inheritable. */
	__u64 caps[3];
	/* 1 << syscall, against policy_rule.syscalls. */
	__u64 syscall_bit;
	/* The subject file (struct file *) of file hooks, 0 otherwise. */
	__u64 file;
	__u64 dev;
	__u64 ino;
	__u64 exe_dev;
	__u64 exe_ino;
	__u32 gen;
	__u32 gen_seq;
	__u32 agg_epoch;
	__u32 hook;
	__u32 mechanism;
	__u32 syscall;
	__s32 result;
	__u32 open_flags;
	__u32 uid;
	/* Id of the longest Prefix value the file's path is under (aggregation by pathPrefix). */
	__u32 prefix_id;
	/* The file's path is path[path_start, EBPIPE_PATH_MAX_LEN) once path_resolved. */
	__u32 path_start;
	__u32 path_truncated;
	__u32 path_resolved;
	/* lsm hooks: 0, or the Override error of the first rule that asked for one. */
	__s32 verdict;
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 _pad;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Scratch of one evaluation: paths, lookup keys, the record being built. Map memory, not stack. */
struct policy_scratch {
	/* Non-zero while an evaluation on this CPU holds the slot (see policy_scratch_acquire). */
	__u64 busy;
	struct policy_state state;
	/* The subject file's path, as resolve_path() writes it. */
	char path[EBPIPE_SCRATCH_PATH_SIZE];
	/* The binary's path, resolved when the process cache misses or an aggregation key is new. */
	char binary[EBPIPE_SCRATCH_PATH_SIZE];
	struct policy_name_key name_key;
	struct policy_basename_key basename_key;
	struct policy_rate_key rate_key;
	struct policy_agg_key agg_key;
	struct policy_agg_value agg_value;
	struct policy_process process;
	char event[sizeof(struct policy_event) + EBPIPE_PATH_MAX_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct policy_config);
} policy_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBPIPE_POLICY_GENERATIONS * EBPIPE_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct policy_hook_entry);
} policy_hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBPIPE_POLICY_GENERATIONS * EBPIPE_POLICY_MAX_RULES);
	__type(key, __u32);
	__type(value, struct policy_rule);
} policy_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBPIPE_POLICY_GENERATIONS * POLICY_SELECTOR_SLOTS);
	__type(key, __u32);
	__type(value, struct policy_selector);
} policy_selectors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 8192);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_name_key);
	__type(value, struct policy_name_value);
} policy_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct policy_basename_key);
	__type(value, __u8);
} policy_basenames SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct policy_inode_key);
	__type(value, struct policy_bits);
} policy_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct policy_pid_key);
	__type(value, struct policy_pid_value);
} policy_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct policy_ns_key);
	__type(value, struct policy_bits);
} policy_namespaces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct policy_port_key);
	__type(value, struct policy_bits);
} policy_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct policy_addr_key);
	__type(value, struct policy_bits);
} policy_addrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct policy_process);
} policy_processes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct policy_rate_key);
	__type(value, struct policy_rate_value);
} policy_rate_limits SEC(".maps");

/* Not LRU: a key that does not fit is counted (EBPIPE_COUNT_AGG_OVERFLOW) and posted, never evicted unseen. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct policy_agg_key);
	__type(value, struct policy_agg_value);
} policy_aggregates SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBPIPE_POLICY_GENERATIONS * EBPIPE_POLICY_MAX_RULES);
	__type(key, __u32);
	__type(value, struct policy_stats);
} policy_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBPIPE_HOOK_MAX);
	__type(key, __u32);
	__type(value, struct policy_hook_stats);
} policy_hook_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, EBPIPE_POLICY_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct policy_scratch);
} policy_scratch SEC(".maps");

static __always_inline void policy_count_hook(__u32 hook, __u32 counter)
{
	struct policy_hook_stats *stats = bpf_map_lookup_elem(&policy_hook_stats, &hook);

	if (stats && counter < EBPIPE_HOOK_COUNT_MAX)
		stats->counts[counter] += 1; /* per-CPU value */
}

static __always_inline void policy_count_rule(__u32 rule_key, __u32 counter)
{
	struct policy_stats *stats = bpf_map_lookup_elem(&policy_stats, &rule_key);

	if (stats && counter < EBPIPE_COUNT_MAX)
		stats->counts[counter] += 1;
}

#endif /* EBPIPE_POLICY_MAPS_BPF_H */
