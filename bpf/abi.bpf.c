// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Never loaded. Clang emits BTF only for types that something declares, and
 * the programs use the records through casts of scratch memory, so this
 * object names every record and enum of events.h once. Its BTF is what
 * scripts/generate-decoder.ts turns into src/events/generated/abi.ts, and
 * what the ABI test checks the loaded objects and the decoder against.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "events.h"
#include "policy.h"

/* Records are members by value (a pointer would leave only a forward declaration in BTF). */
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
struct ebpipe_abi {
	enum ebpipe_abi_version version;
	enum ebpipe_op op;
	enum ebpipe_limits limits;
	enum ebpipe_drop_reason drop_reason;
	enum ebpipe_exec_flags exec_flags;
	enum ebpipe_syscall syscall;
	enum ebpipe_file_flags file_flags;
	enum ebpipe_net_flags net_flags;
	enum ebpipe_cred_flags cred_flags;
	enum ebpipe_module_flags module_flags;
	struct exec_event exec;
	struct exit_event exit;
	struct fork_event fork;
	struct file_open_event file_open;
	struct file_path_event file_path;
	struct file_rename_event file_rename;
	struct sock_event sock;
	struct cred_change_event cred_change;
	struct module_event module;
	struct bench_event bench;
	/* bpf/include/policy.h: the policy record and the policy maps' entries (src/policy/ writes them). */
	enum ebpipe_policy_event_flags policy_event_flags;
	enum ebpipe_policy_limits policy_limits;
	enum ebpipe_policy_hook policy_hook;
	enum ebpipe_policy_mechanism policy_mechanism;
	enum ebpipe_policy_action policy_action;
	enum ebpipe_policy_subject policy_subject;
	enum ebpipe_policy_needs policy_needs;
	enum ebpipe_policy_arg policy_arg;
	enum ebpipe_policy_int_op policy_int_op;
	enum ebpipe_policy_ns policy_ns;
	enum ebpipe_policy_rate_scope policy_rate_scope;
	enum ebpipe_policy_agg_field policy_agg_field;
	enum ebpipe_policy_counter policy_counter;
	enum ebpipe_policy_hook_counter policy_hook_counter;
	struct policy_event policy;
	struct policy_config policy_config;
	struct policy_hook_entry policy_hook_entry;
	struct policy_rule policy_rule;
	struct policy_selector policy_selector;
	struct policy_name_key policy_name_key;
	struct policy_name_value policy_name_value;
	struct policy_basename_key policy_basename_key;
	struct policy_inode_key policy_inode_key;
	struct policy_pid_key policy_pid_key;
	struct policy_pid_value policy_pid_value;
	struct policy_ns_key policy_ns_key;
	struct policy_port_key policy_port_key;
	struct policy_addr_key policy_addr_key;
	struct policy_process policy_process;
	struct policy_rate_key policy_rate_key;
	struct policy_rate_value policy_rate_value;
	struct policy_agg_key policy_agg_key;
	struct policy_agg_value policy_agg_value;
	struct policy_stats policy_stats;
	struct policy_hook_stats policy_hook_stats;
};

struct ebpipe_abi ebpipe_abi __attribute__((used));

char LICENSE[] SEC("license") = "Dual BSD/GPL";
