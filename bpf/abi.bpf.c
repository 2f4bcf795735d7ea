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
};

struct ebpipe_abi ebpipe_abi __attribute__((used));

char LICENSE[] SEC("license") = "Dual BSD/GPL";
