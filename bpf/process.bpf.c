// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process lifecycle: exec, fork, exit. tp_btf programs, because they give
 * typed access to the task and the binprm without kprobes, which some
 * kernels (this project's CI host among them) refuse.
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * argv as the new image sees it: the NUL-separated strings between
 * mm->arg_start and arg_end, which exec has just written, so they are
 * resident and the user read does not fault.
 */
static __always_inline __u32 copy_argv(struct task_struct *task, char *tail, __u32 offset, __u32 *flags)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start);
	unsigned long end = BPF_CORE_READ(mm, arg_end);
	__u32 len;

	if (end <= start)
		return 0;
	len = end - start;
	if (len > EBPIPE_ARGV_MAX_LEN - 1) {
		len = EBPIPE_ARGV_MAX_LEN - 1;
		*flags |= EBPIPE_EXEC_ARGV_TRUNCATED;
	}
	if (bpf_probe_read_user(&tail[offset & (2 * EBPIPE_PATH_MAX_LEN - 1)], len & (EBPIPE_ARGV_MAX_LEN - 1), (void *)start))
		return 0;
	return len;
}

/* Fallback when the executed file has no resolvable path: the name as typed. */
static __always_inline __u32 copy_typed_filename(struct linux_binprm *bprm, char *tail)
{
	const char *filename = BPF_CORE_READ(bprm, filename);
	long n = bpf_probe_read_kernel_str(tail, EBPIPE_PATH_MAX_LEN, filename);

	return n > 0 ? (__u32)(n - 1) : 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct scratch *s = scratch_acquire(EBPIPE_OP_EXEC);
	struct exec_event *ev;
	struct resolved_path path;
	__u32 offset, size;

	if (!s)
		return 0;
	ev = (struct exec_event *)s->event;
	read_task_ids(task, &ev->task);
	read_parent_ids(task, &ev->parent);
	read_credentials(task, &ev->creds);
	read_namespaces(task, &ev->ns);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->flags = 0;
	ev->argc = BPF_CORE_READ(bprm, argc);
	ev->_pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));

	struct file *file = BPF_CORE_READ(bprm, file);
	if (file) {
		path = resolve_path(&file->f_path, task, s->path);
		if (path.truncated)
			ev->flags |= EBPIPE_EXEC_FILENAME_TRUNCATED;
		offset = copy_path(ev->data, 0, s->path, path);
	} else {
		ev->flags |= EBPIPE_EXEC_FILENAME_UNRESOLVED;
		offset = copy_typed_filename(bprm, ev->data);
	}
	ev->filename_len = offset;

	ev->argv_len = copy_argv(task, ev->data, offset, &ev->flags);
	offset += ev->argv_len;

	struct path pwd = BPF_CORE_READ(task, fs, pwd);
	path = resolve_path(&pwd, task, s->path);
	if (path.truncated)
		ev->flags |= EBPIPE_EXEC_CWD_TRUNCATED;
	ev->cwd_len = copy_path(ev->data, offset, s->path, path);
	offset += ev->cwd_len;

	size = sizeof(*ev) + offset;
	if (size > sizeof(s->event))
		size = sizeof(s->event);
	output_event(&ev->hdr, EBPIPE_OP_EXEC, size);
	scratch_release(s);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct fork_event *ev;

	/* Threads share the process; only new processes are reported. */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid))
		return 0;
	ev = reserve_event(EBPIPE_OP_FORK, sizeof(*ev));
	if (!ev)
		return 0;
	ev->task.tgid = BPF_CORE_READ(child, tgid);
	ev->task.pid = ev->task.tgid;
	/* The child is its own group leader, but group_leader is set only later in copy_process for some paths. */
	ev->task.start_ns = BPF_CORE_READ(child, start_boottime);
	read_task_ids(parent, &ev->parent);
	ev->parent.pid = ev->parent.tgid;
	BPF_CORE_READ_STR_INTO(&ev->comm, parent, comm);
	submit_event(ev);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	struct exit_event *ev;
	struct signal_struct *signal = BPF_CORE_READ(task, signal);

	/*
	 * Only the last thread's exit ends the process. do_exit() has already
	 * decremented signal->live when this tracepoint fires.
	 */
	if (BPF_CORE_READ(signal, live.counter) != 0)
		return 0;
	ev = reserve_event(EBPIPE_OP_EXIT, sizeof(*ev));
	if (!ev)
		return 0;
	read_task_ids(task, &ev->task);
	ev->status = BPF_CORE_READ(task, exit_code);
	ev->_pad = 0;
	BPF_CORE_READ_STR_INTO(&ev->comm, task, comm);
	submit_event(ev);
	return 0;
}
