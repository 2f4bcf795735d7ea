/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a matching selector does, in this order: signal the process (Sigkill,
 * Signal), override the operation's result (LSM hooks only), then count the
 * operation under its aggregation key or rate-limit it, and post the record.
 * Enforcement comes first so that a failing post never lets an operation through.
 */
#ifndef EBPIPE_POLICY_ACTIONS_BPF_H
#define EBPIPE_POLICY_ACTIONS_BPF_H

#include "policy_subjects.bpf.h"
#include "emit.bpf.h"

#define POLICY_SIGKILL 9

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

#endif /* EBPIPE_POLICY_ACTIONS_BPF_H */
