// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Credential changes: the setuid family, setgroups and capset. The enter
 * program saves the thread's credentials and the arguments, the exit program
 * reads the credentials the call left and reports both, marking a change
 * that raised privilege. Failed calls are reported too: an attempt to become
 * root is worth seeing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct pending_cred_op {
	/* enum ebpipe_syscall */
	__u32 syscall;
	__u32 args[3];
	struct cred_ids old_creds;
	__u32 old_root_group;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct pending_cred_op);
} pending_cred_ops SEC(".maps");

/*
 * The task's credentials; `groups` (EBPIPE_GROUPS_MAX entries) gets the first
 * supplementary groups when given. Returns whether group 0 is one of them:
 * set_groups() keeps them sorted, so it can only be the first.
 */
static __always_inline bool read_cred_ids(struct task_struct *task, struct cred_ids *out, __u32 *groups)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct group_info *info = BPF_CORE_READ(cred, group_info);
	__u32 first = 1;
	int n;

	out->uid = BPF_CORE_READ(cred, uid.val);
	out->euid = BPF_CORE_READ(cred, euid.val);
	out->suid = BPF_CORE_READ(cred, suid.val);
	out->fsuid = BPF_CORE_READ(cred, fsuid.val);
	out->gid = BPF_CORE_READ(cred, gid.val);
	out->egid = BPF_CORE_READ(cred, egid.val);
	out->sgid = BPF_CORE_READ(cred, sgid.val);
	out->fsgid = BPF_CORE_READ(cred, fsgid.val);
	out->cap_effective = read_caps(&cred->cap_effective);
	out->cap_permitted = read_caps(&cred->cap_permitted);
	out->cap_inheritable = read_caps(&cred->cap_inheritable);
	out->cap_ambient = read_caps(&cred->cap_ambient);
	out->_pad = 0;
	n = BPF_CORE_READ(info, ngroups);
	out->ngroups = n;
	if (n <= 0)
		return false;
	bpf_core_read(&first, sizeof(first), &info->gid[0].val);
	if (groups) {
		if (n > EBPIPE_GROUPS_MAX)
			n = EBPIPE_GROUPS_MAX;
		bpf_core_read(groups, (n * sizeof(__u32)) & (EBPIPE_GROUPS_MAX * sizeof(__u32) * 2 - 1), &info->gid[0].val);
	}
	return first == 0;
}

static __always_inline bool became_zero(__u32 before, __u32 after)
{
	return after == 0 && before != 0;
}

static __always_inline __u32 raised(const struct cred_ids *o, const struct cred_ids *n, bool old_root_group,
				    bool new_root_group)
{
	__u32 flags = 0;

	if (became_zero(o->uid, n->uid) || became_zero(o->euid, n->euid) || became_zero(o->suid, n->suid) ||
	    became_zero(o->fsuid, n->fsuid))
		flags |= EBPIPE_CRED_UID_TO_ROOT;
	if (became_zero(o->gid, n->gid) || became_zero(o->egid, n->egid) || became_zero(o->sgid, n->sgid) ||
	    became_zero(o->fsgid, n->fsgid))
		flags |= EBPIPE_CRED_GID_TO_ROOT;
	if ((n->cap_effective & ~o->cap_effective) || (n->cap_permitted & ~o->cap_permitted))
		flags |= EBPIPE_CRED_CAPS_GAINED;
	if (new_root_group && !old_root_group)
		flags |= EBPIPE_CRED_ROOT_GROUP_GAINED;
	return flags;
}

static __always_inline int save_before(__u32 syscall, __u32 arg0, __u32 arg1, __u32 arg2)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_cred_op op = { .syscall = syscall, .args = { arg0, arg1, arg2 } };
	__u64 id = bpf_get_current_pid_tgid();

	op.old_root_group = read_cred_ids(task, &op.old_creds, NULL);
	bpf_map_update_elem(&pending_cred_ops, &id, &op, BPF_ANY);
	return 0;
}

static __always_inline int report_after(__u32 syscall, long ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_cred_op *op = bpf_map_lookup_elem(&pending_cred_ops, &id);
	struct cred_change_event *ev;
	bool root_group;

	if (!op)
		return 0;
	if (op->syscall != syscall)
		goto done;
	ev = reserve_event(EBPIPE_OP_CRED_CHANGE, sizeof(*ev));
	if (!ev)
		goto done;
	read_task_ids(task, &ev->task);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->result = ret;
	ev->syscall = syscall;
	ev->arg0 = op->args[0];
	ev->arg1 = op->args[1];
	ev->arg2 = op->args[2];
	ev->old_creds = op->old_creds;
	__builtin_memset(ev->groups, 0, sizeof(ev->groups));
	root_group = read_cred_ids(task, &ev->new_creds, ev->groups);
	ev->flags = raised(&ev->old_creds, &ev->new_creds, op->old_root_group, root_group);
	submit_event(ev);
done:
	bpf_map_delete_elem(&pending_cred_ops, &id);
	return 0;
}

/* A syscall taking up to three ids (fewer are passed as 0). */
#define CRED_SYSCALL(name, sys, a0, a1, a2)                                         \
	SEC("tp/syscalls/sys_enter_" #name)                                         \
	int cred_enter_##name(struct trace_event_raw_sys_enter *ctx)                \
	{                                                                           \
		return save_before(sys, a0, a1, a2);                                      \
	}                                                                           \
	SEC("tp/syscalls/sys_exit_" #name)                                          \
	int cred_exit_##name(struct trace_event_raw_sys_exit *ctx)                  \
	{                                                                           \
		return report_after(sys, ctx->ret);                                         \
	}

CRED_SYSCALL(setuid, EBPIPE_SYS_SETUID, ctx->args[0], 0, 0)
CRED_SYSCALL(setgid, EBPIPE_SYS_SETGID, ctx->args[0], 0, 0)
CRED_SYSCALL(setreuid, EBPIPE_SYS_SETREUID, ctx->args[0], ctx->args[1], 0)
CRED_SYSCALL(setregid, EBPIPE_SYS_SETREGID, ctx->args[0], ctx->args[1], 0)
CRED_SYSCALL(setresuid, EBPIPE_SYS_SETRESUID, ctx->args[0], ctx->args[1], ctx->args[2])
CRED_SYSCALL(setresgid, EBPIPE_SYS_SETRESGID, ctx->args[0], ctx->args[1], ctx->args[2])
CRED_SYSCALL(setfsuid, EBPIPE_SYS_SETFSUID, ctx->args[0], 0, 0)
CRED_SYSCALL(setfsgid, EBPIPE_SYS_SETFSGID, ctx->args[0], 0, 0)
/* The count; the groups themselves are read from the credentials the call installed. */
CRED_SYSCALL(setgroups, EBPIPE_SYS_SETGROUPS, ctx->args[0], 0, 0)
/* The new sets are read from the credentials, not from the caller's struct. */
CRED_SYSCALL(capset, EBPIPE_SYS_CAPSET, 0, 0, 0)
