// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Kernel modules: every init_module, finit_module and delete_module attempt,
 * at the syscall's exit with its result. A load's module name is only known
 * once the kernel has parsed the image: module/module_load (fired inside the
 * call, in the same thread) hands it to the pending call.
 *
 * A kernel built without module support has none of these tracepoints; the
 * loader then finds no attach point and reports the sensor unavailable.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/path.bpf.h"
#include "lib/fd.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct pending_module_op {
	/* enum ebpipe_syscall */
	__u32 syscall;
	__s32 fd;
	__u32 flags;
	/* Set once module_load has filled name. */
	__u32 name_known;
	/* User addresses: the parameter string of a load, the name of an unload. */
	__u64 args;
	__u64 name_ptr;
	char name[EBPIPE_MODULE_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct pending_module_op);
} pending_module_ops SEC(".maps");

static __always_inline int save_pending(struct pending_module_op *op)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_update_elem(&pending_module_ops, &id, op, BPF_ANY);
	return 0;
}

static __always_inline bool take_pending(__u32 syscall, struct pending_module_op *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_module_op *op = bpf_map_lookup_elem(&pending_module_ops, &id);
	bool found = op && op->syscall == syscall;

	if (found)
		__builtin_memcpy(out, op, sizeof(*out));
	if (op)
		bpf_map_delete_elem(&pending_module_ops, &id);
	return found;
}

static __always_inline void fill_common(struct module_event *ev, struct task_struct *task, struct pending_module_op *op,
					long ret)
{
	read_task_ids(task, &ev->task);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->result = ret;
	ev->syscall = op->syscall;
	ev->fd = op->fd;
	ev->syscall_flags = op->flags;
	ev->flags = 0;
	ev->path_len = 0;
	ev->args_len = 0;
}

static __always_inline int report_load(struct pending_module_op *op, long ret)
{
	struct scratch *s = scratch_acquire(EBPIPE_OP_MODULE_LOAD);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct module_event *ev;
	__u32 len = 0, size;
	long n;

	if (!s)
		return 0;
	ev = (struct module_event *)s->event;
	fill_common(ev, task, op, ret);
	__builtin_memcpy(ev->name, op->name, sizeof(ev->name));
	if (op->name_known)
		ev->flags |= EBPIPE_MODULE_NAME_FROM_KERNEL;
	if (op->syscall == EBPIPE_SYS_FINIT_MODULE) {
		struct file *file = file_of_fd(task, op->fd);

		if (file) {
			struct resolved_path p = resolve_path(&file->f_path, task, s->path);

			if (p.truncated)
				ev->flags |= EBPIPE_MODULE_PATH_TRUNCATED;
			len = copy_path(ev->data, 0, s->path, p);
		}
	}
	ev->path_len = len;
	n = bpf_probe_read_user_str(&ev->data[len & (EBPIPE_PATH_MAX_LEN - 1)], EBPIPE_MODULE_ARGS_MAX_LEN,
				    (const char *)op->args);
	if (n > 0) {
		if (n == EBPIPE_MODULE_ARGS_MAX_LEN)
			ev->flags |= EBPIPE_MODULE_ARGS_TRUNCATED;
		ev->args_len = n - 1;
	}
	size = sizeof(*ev) + ev->path_len + ev->args_len;
	if (size > EBPIPE_SCRATCH_EVENT_SIZE)
		size = EBPIPE_SCRATCH_EVENT_SIZE;
	output_event(&ev->hdr, EBPIPE_OP_MODULE_LOAD, size);
	scratch_release(s);
	return 0;
}

SEC("tp/syscalls/sys_enter_init_module")
int mod_enter_init_module(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_module_op op = { .syscall = EBPIPE_SYS_INIT_MODULE, .fd = -1, .args = ctx->args[2] };

	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_init_module")
int mod_exit_init_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_module_op op;

	if (take_pending(EBPIPE_SYS_INIT_MODULE, &op))
		report_load(&op, ctx->ret);
	return 0;
}

SEC("tp/syscalls/sys_enter_finit_module")
int mod_enter_finit_module(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_module_op op = { .syscall = EBPIPE_SYS_FINIT_MODULE, .fd = ctx->args[0],
					.args = ctx->args[1], .flags = ctx->args[2] };

	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_finit_module")
int mod_exit_finit_module(struct trace_event_raw_sys_exit *ctx)
{
	struct pending_module_op op;

	if (take_pending(EBPIPE_SYS_FINIT_MODULE, &op))
		report_load(&op, ctx->ret);
	return 0;
}

/* Fired while the call parses the image: the name is known from here on. */
SEC("tp_btf/module_load")
int BPF_PROG(mod_loaded, struct module *mod)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_module_op *op = bpf_map_lookup_elem(&pending_module_ops, &id);

	if (!op)
		return 0;
	bpf_probe_read_kernel_str(op->name, sizeof(op->name), mod->name);
	op->name_known = 1;
	return 0;
}

SEC("tp/syscalls/sys_enter_delete_module")
int mod_enter_delete_module(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_module_op op = { .syscall = EBPIPE_SYS_DELETE_MODULE, .fd = -1, .name_ptr = ctx->args[0],
					.flags = ctx->args[1] };

	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_delete_module")
int mod_exit_delete_module(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_module_op op;
	struct module_event *ev;

	if (!take_pending(EBPIPE_SYS_DELETE_MODULE, &op))
		return 0;
	ev = reserve_event(EBPIPE_OP_MODULE_UNLOAD, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, &op, ctx->ret);
	__builtin_memset(ev->name, 0, sizeof(ev->name));
	bpf_probe_read_user_str(ev->name, sizeof(ev->name), (const char *)op.name_ptr);
	submit_event(ev);
	return 0;
}
