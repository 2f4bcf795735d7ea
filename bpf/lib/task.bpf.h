/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading who a task is: ids, credentials, namespaces. CO-RE, so one object runs on 5.x to 6.x kernels. */
#ifndef EBPIPE_TASK_BPF_H
#define EBPIPE_TASK_BPF_H

#include "events.h"

static __always_inline void read_task_ids(struct task_struct *task, struct task_ids *ids)
{
	ids->tgid = BPF_CORE_READ(task, tgid);
	ids->pid = BPF_CORE_READ(task, pid);
	ids->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
}

/* The parent process (not thread) that user space links the child to. */
static __always_inline void read_parent_ids(struct task_struct *task, struct task_ids *ids)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);

	ids->tgid = BPF_CORE_READ(parent, tgid);
	ids->pid = ids->tgid;
	ids->start_ns = BPF_CORE_READ(parent, group_leader, start_boottime);
}

/*
 * kernel_cap_t is { u32 cap[2] } before 6.3 and { u64 val } after: both are
 * 8 little-endian bytes, so an 8-byte read at the field's relocated offset
 * gives the same mask on every kernel.
 */
static __always_inline __u64 read_caps(const kernel_cap_t *caps)
{
	__u64 mask = 0;

	bpf_core_read(&mask, sizeof(mask), caps);
	return mask;
}

static __always_inline void read_credentials(struct task_struct *task, struct credentials *out)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);

	out->uid = BPF_CORE_READ(cred, uid.val);
	out->gid = BPF_CORE_READ(cred, gid.val);
	out->euid = BPF_CORE_READ(cred, euid.val);
	out->egid = BPF_CORE_READ(cred, egid.val);
	out->cap_effective = read_caps(&cred->cap_effective);
	out->cap_permitted = read_caps(&cred->cap_permitted);
}

/* The pid namespace the task itself lives in (not pid_for_children). */
static __always_inline __u32 read_pid_ns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);

	/* Nesting is capped at 32 by the kernel. */
	return BPF_CORE_READ(pid, numbers[level & 31].ns, ns.inum);
}

static __always_inline void read_namespaces(struct task_struct *task, struct namespaces *ns)
{
	struct nsproxy *proxy = BPF_CORE_READ(task, nsproxy);

	ns->mnt = BPF_CORE_READ(proxy, mnt_ns, ns.inum);
	ns->pid = read_pid_ns(task);
	ns->net = BPF_CORE_READ(proxy, net_ns, ns.inum);
	ns->uts = BPF_CORE_READ(proxy, uts_ns, ns.inum);
	ns->ipc = BPF_CORE_READ(proxy, ipc_ns, ns.inum);
	ns->user = BPF_CORE_READ(task, cred, user_ns, ns.inum);
	ns->cgroup = BPF_CORE_READ(proxy, cgroup_ns, ns.inum);
}

#endif /* EBPIPE_TASK_BPF_H */
