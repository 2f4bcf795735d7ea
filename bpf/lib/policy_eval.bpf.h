/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Evaluating the live policy generation for one operation, in the kernel:
 * collect the filter bits of the operation's subjects (policy_subjects.bpf.h),
 * run the hook's rules and their selectors, and act (policy_actions.bpf.h:
 * signal, override, post, rate-limit, aggregate) before the operation returns
 * to the process. The map layouts and the meaning of the bits are described
 * in bpf/include/policy.h.
 *
 * A hook program calls policy_begin() (NULL: nothing to do, the common case),
 * fills scratch->state with what it knows of the operation, then calls
 * policy_collect() and policy_run(), and releases the scratch slot.
 */
#ifndef EBPIPE_POLICY_EVAL_BPF_H
#define EBPIPE_POLICY_EVAL_BPF_H

#include "policy_subjects.bpf.h"
#include "policy_actions.bpf.h"

/* The live generation and the hook's header in it. */
struct policy_begin {
	struct policy_hook_entry *hook;
	__u32 gen;
	__u32 gen_seq;
	__u32 agg_epoch;
};

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
