/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The subjects of one operation, looked up in the live policy generation: the
 * file (identity, name, path, reversed path), the binary (cached per process
 * image), the pids (with the ancestors for followForks), the namespaces, the
 * capabilities and the uid. Every lookup ORs the filter bits that hold into
 * scratch->state.matched; bpf/include/policy.h says what the bits mean.
 */
#ifndef EBPIPE_POLICY_SUBJECTS_BPF_H
#define EBPIPE_POLICY_SUBJECTS_BPF_H

#include "policy_maps.bpf.h"
#include "task.bpf.h"
#include "path.bpf.h"
#include "fd.bpf.h"

static __always_inline void policy_bits_or(struct policy_bits *into, const struct policy_bits *from)
{
#pragma unroll
	for (int i = 0; i < EBPIPE_POLICY_BITS_WORDS; i++)
		into->w[i] |= from->w[i];
}

struct reverse_copy {
	__u8 *dst;
	/* The path's last byte is src[EBPIPE_PATH_MAX_LEN - 1]. */
	const char *src;
};

static long reverse_one_byte(__u32 i, struct reverse_copy *r)
{
	r->dst[i & 255] = r->src[(EBPIPE_PATH_MAX_LEN - 1 - i) & (EBPIPE_PATH_MAX_LEN - 1)];
	return 0;
}

/*
 * ORs into *out the bits of the longest policy_names entry for a path that is
 * buf[start, EBPIPE_PATH_MAX_LEN): its prefix bits, and its exact bits when
 * the entry is the whole path. Reversed subjects look up the path's last
 * bytes backwards, which makes Postfix a prefix match.
 */
static __always_inline void policy_name_lookup(struct policy_scratch *s, __u8 subject, const char *buf, __u32 start,
					       struct policy_bits *out, __u32 *prefix_id)
{
	struct policy_name_key *k = &s->name_key;
	__u32 len = EBPIPE_PATH_MAX_LEN - (start & (EBPIPE_PATH_MAX_LEN - 1));
	__u32 n = len < EBPIPE_POLICY_STRING_MAX ? len : EBPIPE_POLICY_STRING_MAX;
	bool reversed = subject == EBPIPE_SUBJECT_FILE_REVERSED || subject == EBPIPE_SUBJECT_BINARY_REVERSED;
	struct policy_name_value *v;

	k->gen = s->state.gen;
	k->subject = subject;
	if (reversed) {
		struct reverse_copy r = { .dst = k->data, .src = buf };

		bpf_loop(n, reverse_one_byte, &r, 0);
	} else {
		bpf_probe_read_kernel(k->data, n & 255, &buf[start & (EBPIPE_PATH_MAX_LEN - 1)]);
	}
	k->prefixlen = 16 + n * 8;
	v = bpf_map_lookup_elem(&policy_names, k);
	if (!v)
		return;
	policy_bits_or(out, &v->prefix);
	if (!reversed && v->len == len)
		policy_bits_or(out, &v->exact);
	if (prefix_id)
		*prefix_id = v->prefix_id;
}

static __always_inline void policy_inode_lookup(struct policy_state *st, __u32 subject, __u64 dev, __u64 ino,
						struct policy_bits *out)
{
	struct policy_inode_key key = { .dev = dev, .ino = ino, .gen = st->gen, .subject = subject };
	struct policy_bits *bits = bpf_map_lookup_elem(&policy_inodes, &key);

	if (bits)
		policy_bits_or(out, bits);
}

/* Resolves the subject file's path into scratch->path once, for lookups and for the record. */
static __always_inline void policy_resolve_file_path(struct policy_scratch *s, struct task_struct *task)
{
	struct policy_state *st = &s->state;
	struct file *file = (struct file *)st->file;
	struct resolved_path p;

	if (st->path_resolved || !file)
		return;
	p = resolve_path(&file->f_path, task, s->path);
	st->path_start = p.start;
	st->path_truncated = p.truncated;
	st->path_resolved = 1;
}

/*
 * False when no Equal value can name this file: its name (the last component of any path
 * to it) is none of theirs. A name lookup instead of a path walk for most opens.
 */
static __always_inline bool policy_basename_may_match(struct policy_scratch *s, struct file *file)
{
	struct policy_basename_key *k = &s->basename_key;
	struct qstr name = BPF_CORE_READ(file, f_path.dentry, d_name);

	if (name.len >= EBPIPE_POLICY_BASENAME_MAX)
		return true;
	__builtin_memset(k, 0, sizeof(*k));
	k->gen = s->state.gen;
	k->len = name.len;
	bpf_probe_read_kernel(k->name, name.len & 255, name.name);
	return bpf_map_lookup_elem(&policy_basenames, k) != NULL;
}

/* The file an operation opened: its identity always, its path when a filter or a record needs it. */
static __always_inline void policy_file_subject(struct policy_scratch *s, struct task_struct *task, struct file *file,
						__u32 needs)
{
	struct policy_state *st = &s->state;

	st->file = (__u64)file;
	file_identity(file, &st->dev, &st->ino);
	if (needs & EBPIPE_NEED_INODE)
		policy_inode_lookup(st, EBPIPE_SUBJECT_FILE, st->dev, st->ino, &st->matched);
	if (!(needs & (EBPIPE_NEED_PATH | EBPIPE_NEED_PATH_REVERSED)))
		return;
	if ((needs & EBPIPE_NEED_BASENAME) && !policy_basename_may_match(s, file))
		return;
	policy_resolve_file_path(s, task);
	if (needs & EBPIPE_NEED_PATH)
		policy_name_lookup(s, EBPIPE_SUBJECT_FILE, s->path, st->path_start, &st->matched, &st->prefix_id);
	if (needs & EBPIPE_NEED_PATH_REVERSED)
		policy_name_lookup(s, EBPIPE_SUBJECT_FILE_REVERSED, s->path, st->path_start, &st->matched, NULL);
}

/*
 * The process's binary filter bits, from policy_processes when they were
 * computed for this image (exec drops the entry) under this generation,
 * else from mm->exe_file, then cached.
 */
static __always_inline void policy_binary_subject(struct policy_scratch *s, struct task_struct *task)
{
	struct policy_state *st = &s->state;
	struct policy_process *p = &s->process;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	__u64 start = BPF_CORE_READ(task, group_leader, start_boottime);
	struct policy_process *cached = bpf_map_lookup_elem(&policy_processes, &tgid);
	struct file *exe;

	if (cached && cached->start_ns == start && cached->gen_seq == st->gen_seq) {
		policy_bits_or(&st->matched, &cached->binary);
		st->exe_dev = cached->exe_dev;
		st->exe_ino = cached->exe_ino;
		return;
	}
	__builtin_memset(p, 0, sizeof(*p));
	p->start_ns = start;
	p->gen_seq = st->gen_seq;
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		struct resolved_path path = resolve_path(&exe->f_path, task, s->binary);

		file_identity(exe, &p->exe_dev, &p->exe_ino);
		policy_inode_lookup(st, EBPIPE_SUBJECT_BINARY, p->exe_dev, p->exe_ino, &p->binary);
		policy_name_lookup(s, EBPIPE_SUBJECT_BINARY, s->binary, path.start, &p->binary, NULL);
		policy_name_lookup(s, EBPIPE_SUBJECT_BINARY_REVERSED, s->binary, path.start, &p->binary, NULL);
	}
	bpf_map_update_elem(&policy_processes, &tgid, p, BPF_ANY);
	policy_bits_or(&st->matched, &p->binary);
	st->exe_dev = p->exe_dev;
	st->exe_ino = p->exe_ino;
}

/* A task's thread group id as its pid namespace at `level` sees it; 0 when it is not visible there. */
static __always_inline __u32 tgid_at_level(struct task_struct *task, __u32 level)
{
	struct pid *pid = BPF_CORE_READ(task, group_leader, thread_pid);

	if (BPF_CORE_READ(pid, level) < level)
		return 0;
	return BPF_CORE_READ(pid, numbers[level & 31].nr);
}

static __always_inline void policy_pid_lookup(struct policy_state *st, __u32 ns, __u32 pid, bool self)
{
	struct policy_pid_key key = { .gen = st->gen, .ns = ns, .pid = pid };
	struct policy_pid_value *v;

	if (pid == 0)
		return;
	v = bpf_map_lookup_elem(&policy_pids, &key);
	if (v)
		policy_bits_or(&st->matched, self ? &v->self : &v->descendants);
}

struct ancestor_walk {
	struct policy_state *st;
	struct task_struct *task;
	__u32 level;
	__u32 ns_pids;
};

static long policy_pid_ancestor(__u32 i, struct ancestor_walk *w)
{
	struct task_struct *task = w->task;
	struct task_struct *parent = BPF_CORE_READ(task, group_leader, real_parent);
	__u32 tgid = BPF_CORE_READ(parent, tgid);

	if (!parent || tgid == 0 || parent == task)
		return 1;
	policy_pid_lookup(w->st, 0, tgid, false);
	if (w->ns_pids)
		policy_pid_lookup(w->st, 1, tgid_at_level(parent, w->level), false);
	w->task = parent;
	return 0;
}

/* matchPIDs: the process itself, and with followForks its ancestors (it is their descendant). */
static __always_inline void policy_pid_subject(struct policy_state *st, struct task_struct *task, __u32 needs)
{
	__u32 level = BPF_CORE_READ(task, thread_pid, level);
	bool ns_pids = needs & EBPIPE_NEED_NS_PIDS;

	policy_pid_lookup(st, 0, BPF_CORE_READ(task, tgid), true);
	if (ns_pids)
		policy_pid_lookup(st, 1, tgid_at_level(task, level), true);
	if (needs & EBPIPE_NEED_PID_ANCESTORS) {
		struct ancestor_walk w = { .st = st, .task = task, .level = level, .ns_pids = ns_pids };

		bpf_loop(EBPIPE_POLICY_PID_DEPTH, policy_pid_ancestor, &w, 0);
	}
}

/*
 * The inode number of the task's namespace of `type`: the seven that records
 * carry as read_namespaces() (task.bpf.h) read them into `ns`, the others from
 * the task's nsproxy.
 */
static __always_inline __u32 namespace_inum(struct task_struct *task, const struct namespaces *ns, __u32 type)
{
	switch (type) {
	case EBPIPE_NS_UTS:
		return ns->uts;
	case EBPIPE_NS_IPC:
		return ns->ipc;
	case EBPIPE_NS_MNT:
		return ns->mnt;
	case EBPIPE_NS_PID:
		return ns->pid;
	case EBPIPE_NS_NET:
		return ns->net;
	case EBPIPE_NS_CGROUP:
		return ns->cgroup;
	case EBPIPE_NS_USER:
		return ns->user;
	case EBPIPE_NS_PID_FOR_CHILDREN:
		return BPF_CORE_READ(task, nsproxy, pid_ns_for_children, ns.inum);
	case EBPIPE_NS_TIME:
		return BPF_CORE_READ(task, nsproxy, time_ns, ns.inum);
	case EBPIPE_NS_TIME_FOR_CHILDREN:
		return BPF_CORE_READ(task, nsproxy, time_ns_for_children, ns.inum);
	}
	return 0;
}

static __always_inline void policy_ns_subject(struct policy_state *st, struct task_struct *task, __u32 types)
{
	struct namespaces ns;

	read_namespaces(task, &ns);
#pragma unroll
	for (__u32 type = 0; type < EBPIPE_NS_MAX; type++) {
		if (!(types & (1U << type)))
			continue;
		struct policy_ns_key key = { .gen = st->gen, .type = type, .inum = namespace_inum(task, &ns, type) };
		struct policy_bits *bits = bpf_map_lookup_elem(&policy_namespaces, &key);

		if (bits)
			policy_bits_or(&st->matched, bits);
	}
}

/* What every hook knows of the task: binary, pids, namespaces, capabilities, uid. */
static __always_inline void policy_collect(struct policy_scratch *s, struct task_struct *task, struct policy_hook_entry *hook)
{
	struct policy_state *st = &s->state;
	__u32 needs = hook->needs;
	const struct cred *cred = BPF_CORE_READ(task, cred);

	st->uid = BPF_CORE_READ(cred, uid.val);
	if (needs & EBPIPE_NEED_BINARY)
		policy_binary_subject(s, task);
	if (needs & EBPIPE_NEED_PIDS)
		policy_pid_subject(st, task, needs);
	if (hook->namespaces)
		policy_ns_subject(st, task, hook->namespaces);
	if (needs & EBPIPE_NEED_CAPS) {
		st->caps[0] = read_caps(&cred->cap_effective);
		st->caps[1] = read_caps(&cred->cap_permitted);
		st->caps[2] = read_caps(&cred->cap_inheritable);
	}
}

#endif /* EBPIPE_POLICY_SUBJECTS_BPF_H */
