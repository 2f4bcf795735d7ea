/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evaluating the live policy generation for one operation, in the kernel:
 * collect the filter bits of the operation's subjects, run the hook's rules
 * and their selectors, and act (signal, override, post, rate-limit,
 * aggregate) before the operation returns to the process. The map layouts
 * and the meaning of the bits are described in bpf/include/policy.h.
 *
 * A hook program calls policy_begin() (NULL: nothing to do, the common case),
 * fills scratch->state with what it knows of the operation, then calls
 * policy_collect() and policy_run(), and releases the scratch slot.
 */
#ifndef EBPIPE_POLICY_EVAL_BPF_H
#define EBPIPE_POLICY_EVAL_BPF_H

#include "policy_maps.bpf.h"
#include "emit.bpf.h"
#include "task.bpf.h"
#include "path.bpf.h"
#include "fd.bpf.h"

#define POLICY_SIGKILL 9

/* The live generation and the hook's header in it. */
struct policy_begin {
	struct policy_hook_entry *hook;
	__u32 gen;
	__u32 gen_seq;
	__u32 agg_epoch;
};

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

/* False when the live generation has no rule for this hook: the operation costs two array lookups. */
static __always_inline bool policy_begin(__u32 hook, struct policy_begin *b)
{
	__u32 zero = 0, key;
	struct policy_config *config = bpf_map_lookup_elem(&policy_config, &zero);

	if (!config || (bpf_get_current_pid_tgid() >> 32) == config->agent_tgid)
		return false;
	/* One read of gen_seq: the whole evaluation uses one generation. */
	b->gen_seq = *(volatile __u32 *)&config->gen_seq;
	b->agg_epoch = config->agg_epoch;
	b->gen = b->gen_seq & 1;
	key = b->gen * EBPIPE_HOOK_MAX + (hook & (EBPIPE_HOOK_MAX - 1));
	b->hook = bpf_map_lookup_elem(&policy_hooks, &key);
	if (!b->hook || b->hook->n_rules == 0)
		return false;
	policy_count_hook(hook, EBPIPE_HOOK_COUNT_SEEN);
	return true;
}

/*
 * Slots instead of one buffer per CPU: syscall tracepoints may be preempted,
 * so another evaluation can start on this CPU while one is half-way. When
 * every slot is taken the operation is counted (EBPIPE_HOOK_COUNT_SCRATCH_BUSY)
 * and not evaluated.
 */
static __always_inline struct policy_scratch *policy_scratch_acquire(__u32 hook)
{
#pragma unroll
	for (__u32 i = 0; i < EBPIPE_POLICY_SCRATCH_SLOTS; i++) {
		__u32 key = i;
		struct policy_scratch *s = bpf_map_lookup_elem(&policy_scratch, &key);

		if (s && __sync_val_compare_and_swap(&s->busy, 0, 1) == 0)
			return s;
	}
	policy_count_hook(hook, EBPIPE_HOOK_COUNT_SCRATCH_BUSY);
	return NULL;
}

static __always_inline void policy_scratch_release(struct policy_scratch *s)
{
	*(volatile __u64 *)&s->busy = 0;
}

/* Starts the state of a new evaluation in the acquired slot. */
static __always_inline struct policy_state *policy_state_init(struct policy_scratch *s, struct policy_begin *b,
							      __u32 hook, __u32 mechanism, __u32 syscall)
{
	struct policy_state *st = &s->state;

	__builtin_memset(st, 0, sizeof(*st));
	st->gen = b->gen;
	st->gen_seq = b->gen_seq;
	st->agg_epoch = b->agg_epoch;
	st->hook = hook;
	st->mechanism = mechanism;
	st->syscall = syscall;
	st->syscall_bit = 1ULL << (syscall & 63);
	st->args[EBPIPE_ARG_FD] = -1;
	st->args[EBPIPE_ARG_DIRFD] = EBPIPE_AT_FDCWD;
	return st;
}

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

static __always_inline __u32 namespace_inum(struct task_struct *task, __u32 type)
{
	struct nsproxy *proxy = BPF_CORE_READ(task, nsproxy);

	switch (type) {
	case EBPIPE_NS_UTS:
		return BPF_CORE_READ(proxy, uts_ns, ns.inum);
	case EBPIPE_NS_IPC:
		return BPF_CORE_READ(proxy, ipc_ns, ns.inum);
	case EBPIPE_NS_MNT:
		return BPF_CORE_READ(proxy, mnt_ns, ns.inum);
	case EBPIPE_NS_PID:
		return read_pid_ns(task);
	case EBPIPE_NS_PID_FOR_CHILDREN:
		return BPF_CORE_READ(proxy, pid_ns_for_children, ns.inum);
	case EBPIPE_NS_NET:
		return BPF_CORE_READ(proxy, net_ns, ns.inum);
	case EBPIPE_NS_CGROUP:
		return BPF_CORE_READ(proxy, cgroup_ns, ns.inum);
	case EBPIPE_NS_USER:
		return BPF_CORE_READ(task, cred, user_ns, ns.inum);
	case EBPIPE_NS_TIME:
		return BPF_CORE_READ(proxy, time_ns, ns.inum);
	case EBPIPE_NS_TIME_FOR_CHILDREN:
		return BPF_CORE_READ(proxy, time_ns_for_children, ns.inum);
	}
	return 0;
}

static __always_inline void policy_ns_subject(struct policy_state *st, struct task_struct *task, __u32 types)
{
#pragma unroll
	for (__u32 type = 0; type < EBPIPE_NS_MAX; type++) {
		if (!(types & (1U << type)))
			continue;
		struct policy_ns_key key = { .gen = st->gen, .type = type, .inum = namespace_inum(task, type) };
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

static __always_inline bool policy_int_filter_holds(struct policy_state *st, struct policy_selector *p, __u32 f)
{
	__u8 op = p->int_op[f & 3];
	__s64 arg = st->args[p->int_arg[f & 3] & (EBPIPE_ARG_MAX - 1)];
	__u32 count = p->int_count[f & 3];
	bool hit = false;

	for (__u32 i = 0; i < EBPIPE_POLICY_INT_VALUES; i++) {
		if (i >= count)
			break;
		__s64 value = p->int_values[(f * EBPIPE_POLICY_INT_VALUES + i) & 31];

		switch (op) {
		case EBPIPE_INT_EQUAL:
		case EBPIPE_INT_NOT_EQUAL:
			hit |= arg == value;
			break;
		case EBPIPE_INT_MASK:
			hit |= (arg & value) != 0;
			break;
		case EBPIPE_INT_GREATER:
			hit |= arg > value;
			break;
		case EBPIPE_INT_LESS:
			hit |= arg < value;
			break;
		}
	}
	return op == EBPIPE_INT_NOT_EQUAL ? !hit : hit;
}

static __always_inline bool policy_selector_matches(struct policy_state *st, struct policy_selector *p)
{
#pragma unroll
	for (int i = 0; i < EBPIPE_POLICY_BITS_WORDS; i++) {
		if ((st->matched.w[i] & p->require.w[i]) != p->require.w[i])
			return false;
		if (st->matched.w[i] & p->forbid.w[i])
			return false;
	}
#pragma unroll
	for (int i = 0; i < 3; i++) {
		if (p->caps_any[i] && !(st->caps[i] & p->caps_any[i]))
			return false;
		if (st->caps[i] & p->caps_none[i])
			return false;
	}
	for (__u32 f = 0; f < EBPIPE_POLICY_INT_FILTERS; f++) {
		if (!p->int_op[f])
			break;
		if (!policy_int_filter_holds(st, p, f))
			return false;
	}
	return true;
}

/*
 * Rate-limited Post: true when this key has not posted within the window;
 * *suppressed then says how many it held back since the last record.
 */
static __always_inline bool policy_rate_allows(struct policy_scratch *s, struct task_struct *task,
					       struct policy_rule *rule, struct policy_selector *p, __u32 selector,
					       __u64 *suppressed)
{
	struct policy_state *st = &s->state;
	struct policy_rate_key *k = &s->rate_key;
	struct policy_rate_value fresh = {};
	struct policy_rate_value *v;
	__u64 now = bpf_ktime_get_boot_ns();

	__builtin_memset(k, 0, sizeof(*k));
	k->policy_id = rule->policy_id;
	k->rule_index = rule->rule_index;
	k->selector = selector;
	k->scope = p->rate_scope;
	if (p->rate_scope == EBPIPE_RATE_THREAD)
		k->scope_id = BPF_CORE_READ(task, pid);
	else if (p->rate_scope == EBPIPE_RATE_PROCESS)
		k->scope_id = BPF_CORE_READ(task, tgid);
	k->dev = st->dev;
	k->ino = st->ino;
	__builtin_memcpy(k->addr, st->daddr, sizeof(k->addr));
	k->port = st->dport;

	v = bpf_map_lookup_elem(&policy_rate_limits, k);
	if (v) {
		if (now - v->last_ns < p->rate_limit_ns) {
			__sync_fetch_and_add(&v->suppressed, 1);
			return false;
		}
		*suppressed = __sync_lock_test_and_set(&v->suppressed, 0);
		v->last_ns = now;
		return true;
	}
	fresh.last_ns = now;
	bpf_map_update_elem(&policy_rate_limits, k, &fresh, BPF_ANY);
	return true;
}

/* Counts the operation under its aggregation key; non-zero when the key did not fit (the caller posts). */
static __always_inline long policy_aggregate(struct policy_scratch *s, struct task_struct *task,
					     struct policy_rule *rule, struct policy_selector *p, __u32 selector)
{
	struct policy_state *st = &s->state;
	struct policy_agg_key *k = &s->agg_key;
	struct policy_agg_value *fresh = &s->agg_value;
	struct policy_agg_value *v;
	__u64 now = bpf_ktime_get_boot_ns();
	long err;

	__builtin_memset(k, 0, sizeof(*k));
	k->epoch = st->agg_epoch;
	k->policy_id = rule->policy_id;
	k->rule_index = rule->rule_index;
	k->selector = selector;
	if (p->aggregate & EBPIPE_AGG_PATH_PREFIX)
		k->prefix_id = st->prefix_id;
	if (p->aggregate & EBPIPE_AGG_UID)
		k->uid = st->uid;
	if (p->aggregate & EBPIPE_AGG_DPORT)
		k->dport = st->dport;
	if (p->aggregate & EBPIPE_AGG_DADDR) {
		k->family = st->family;
		__builtin_memcpy(k->daddr, st->daddr, sizeof(k->daddr));
	}
	struct file *exe = NULL;
	if (p->aggregate & EBPIPE_AGG_BINARY) {
		exe = BPF_CORE_READ(task, mm, exe_file);
		if (exe)
			file_identity(exe, &k->exe_dev, &k->exe_ino);
	}

	v = bpf_map_lookup_elem(&policy_aggregates, k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		v->last_ns = now;
		return 0;
	}
	/* A new key: the binary's name goes with it, so the summary can say which binary. */
	__builtin_memset(fresh, 0, sizeof(*fresh));
	fresh->count = 1;
	fresh->first_ns = now;
	fresh->last_ns = now;
	if (exe) {
		struct resolved_path path = resolve_path(&exe->f_path, task, s->binary);
		__u32 len = EBPIPE_PATH_MAX_LEN - (path.start & (EBPIPE_PATH_MAX_LEN - 1));
		/* A longer path keeps its last bytes, like a truncated record path. */
		__u32 from = len > EBPIPE_POLICY_AGG_BINARY_LEN ? EBPIPE_PATH_MAX_LEN - EBPIPE_POLICY_AGG_BINARY_LEN
								 : path.start;

		fresh->binary_len = len > EBPIPE_POLICY_AGG_BINARY_LEN ? EBPIPE_POLICY_AGG_BINARY_LEN : len;
		bpf_probe_read_kernel(fresh->binary, fresh->binary_len & (EBPIPE_POLICY_AGG_BINARY_LEN * 2 - 1),
				      &s->binary[from & (EBPIPE_PATH_MAX_LEN - 1)]);
	}
	err = bpf_map_update_elem(&policy_aggregates, k, fresh, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU added the key meanwhile */) {
		v = bpf_map_lookup_elem(&policy_aggregates, k);
		if (v) {
			__sync_fetch_and_add(&v->count, 1);
			return 0;
		}
	}
	return err;
}

static __always_inline void policy_post(struct policy_scratch *s, struct task_struct *task, struct policy_rule *rule,
					__u32 selector, __u32 actions, __s32 signal, __s32 signal_result, __s32 error,
					__u64 suppressed)
{
	struct policy_state *st = &s->state;
	struct policy_event *ev = (struct policy_event *)s->event;
	__u32 path_len = 0, size;

	read_task_ids(task, &ev->task);
	read_credentials(task, &ev->creds);
	ev->policy_id = rule->policy_id;
	ev->rule_index = rule->rule_index;
	ev->selector = selector;
	ev->hook = st->hook;
	ev->mechanism = st->mechanism;
	ev->syscall = st->syscall;
	ev->actions = actions;
	ev->signal = signal;
	ev->signal_result = signal_result;
	ev->error = error;
	ev->result = st->result;
	ev->open_flags = st->open_flags;
	ev->dev = st->dev;
	ev->ino = st->ino;
	ev->suppressed = suppressed;
	ev->family = st->family;
	ev->sport = st->sport;
	ev->dport = st->dport;
	__builtin_memcpy(ev->saddr, st->saddr, sizeof(ev->saddr));
	__builtin_memcpy(ev->daddr, st->daddr, sizeof(ev->daddr));
	ev->flags = 0;
	ev->_pad = 0;
	__builtin_memcpy(ev->policy, rule->policy, sizeof(ev->policy));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (st->file) {
		policy_resolve_file_path(s, task);
		struct resolved_path p = { .start = st->path_start, .truncated = st->path_truncated };

		path_len = copy_path(ev->data, 0, s->path, p);
		if (st->path_truncated)
			ev->flags |= EBPIPE_POLICY_PATH_TRUNCATED;
	}
	ev->path_len = path_len;
	size = sizeof(*ev) + path_len;
	if (size > sizeof(s->event))
		size = sizeof(s->event);
	output_event(&ev->hdr, EBPIPE_OP_POLICY, size);
}

/* The selector matched: enforce first, then report. */
static __always_inline void policy_act(struct policy_scratch *s, struct task_struct *task, struct policy_rule *rule,
				       struct policy_selector *p, __u32 selector, __u32 rule_key)
{
	struct policy_state *st = &s->state;
	__u32 actions = p->actions, done = 0;
	__s32 signal = 0, signal_result = 0, error = 0;
	__u64 suppressed = 0;
	bool post = actions & EBPIPE_ACTION_POST;

	if (actions & (EBPIPE_ACTION_SIGKILL | EBPIPE_ACTION_SIGNAL)) {
		signal = actions & EBPIPE_ACTION_SIGKILL ? POLICY_SIGKILL : p->signal;
		signal_result = bpf_send_signal(signal);
		done |= actions & (EBPIPE_ACTION_SIGKILL | EBPIPE_ACTION_SIGNAL);
		policy_count_rule(rule_key, signal_result == 0 ? EBPIPE_COUNT_SIGNALLED : EBPIPE_COUNT_SIGNAL_FAILED);
	}
	if ((actions & EBPIPE_ACTION_OVERRIDE) && st->mechanism == EBPIPE_MECH_LSM) {
		error = p->error;
		if (st->verdict == 0)
			st->verdict = error;
		done |= EBPIPE_ACTION_OVERRIDE;
		policy_count_rule(rule_key, EBPIPE_COUNT_OVERRIDDEN);
	}
	if (actions & EBPIPE_ACTION_AGGREGATE) {
		post = policy_aggregate(s, task, rule, p, selector) != 0;
		policy_count_rule(rule_key, post ? EBPIPE_COUNT_AGG_OVERFLOW : EBPIPE_COUNT_AGGREGATED);
	} else if (post && (actions & EBPIPE_ACTION_RATE_LIMIT)) {
		post = policy_rate_allows(s, task, rule, p, selector, &suppressed);
		if (post)
			done |= EBPIPE_ACTION_RATE_LIMIT;
		else
			policy_count_rule(rule_key, EBPIPE_COUNT_RATE_LIMITED);
	}
	if (post) {
		policy_post(s, task, rule, selector, done | EBPIPE_ACTION_POST, signal, signal_result, error, suppressed);
		policy_count_rule(rule_key, EBPIPE_COUNT_POSTED);
	}
}

struct rule_loop {
	struct policy_scratch *s;
	struct task_struct *task;
	__u32 first;
};

/* One rule: its selectors in order, the first that matches acts. */
static long policy_run_rule(__u32 i, struct rule_loop *l)
{
	struct policy_scratch *s = l->s;
	struct policy_state *st = &s->state;
	__u32 slot = l->first + i;
	__u32 rule_key = st->gen * EBPIPE_POLICY_MAX_RULES + slot;
	struct policy_rule *rule;

	if (slot >= EBPIPE_POLICY_MAX_RULES)
		return 1;
	rule = bpf_map_lookup_elem(&policy_rules, &rule_key);
	if (!rule)
		return 1;
	if (!(rule->syscalls & st->syscall_bit))
		return 0;
	policy_count_rule(rule_key, EBPIPE_COUNT_EVALUATED);
	for (__u32 sel = 0; sel < EBPIPE_POLICY_MAX_SELECTORS; sel++) {
		if (sel >= rule->n_selectors)
			break;
		__u32 key = st->gen * POLICY_SELECTOR_SLOTS + rule->first_selector + sel;
		struct policy_selector *p = bpf_map_lookup_elem(&policy_selectors, &key);

		if (!p)
			break;
		if (!policy_selector_matches(st, p))
			continue;
		policy_count_rule(rule_key, EBPIPE_COUNT_MATCHED);
		policy_act(s, l->task, rule, p, sel, rule_key);
		break;
	}
	return 0;
}

static __always_inline void policy_run(struct policy_scratch *s, struct task_struct *task, struct policy_hook_entry *hook)
{
	struct rule_loop l = { .s = s, .task = task, .first = hook->first_rule };
	__u32 n = hook->n_rules;

	bpf_loop(n < EBPIPE_POLICY_MAX_RULES ? n : EBPIPE_POLICY_MAX_RULES, policy_run_rule, &l, 0);
}

#endif /* EBPIPE_POLICY_EVAL_BPF_H */
