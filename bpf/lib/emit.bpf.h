/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Writing records into the ring buffer, counting every loss. */
#ifndef EBPIPE_EMIT_BPF_H
#define EBPIPE_EMIT_BPF_H

#include "maps.bpf.h"

/*
 * Wake the reader only once this many bytes wait in the ring (set by the loader to the
 * reader's batch size). Below it the reader finds records on its latency-bound poll, so
 * a busy host costs one wake-up per batch instead of one per record.
 */
const volatile __u64 ring_wakeup_bytes = 0;

/*
 * The agent's own tgid, set by the loader. Its file and socket activity is not reported:
 * an agent storing events on disk would otherwise report its own writes, and store those.
 */
const volatile __u32 agent_tgid = 0;

static __always_inline bool from_agent(__u64 pid_tgid)
{
	return agent_tgid != 0 && (__u32)(pid_tgid >> 32) == agent_tgid;
}

static __always_inline __u64 wakeup_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= ring_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/* Submits a record from reserve_event(). */
static __always_inline void submit_event(void *event)
{
	bpf_ringbuf_submit(event, wakeup_flags());
}

static __always_inline void count_drop(__u16 op, __u32 reason)
{
	__u32 key = reason * EBPIPE_OP_MAX + (op & (EBPIPE_OP_MAX - 1));
	__u64 *count = bpf_map_lookup_elem(&drops, &key);

	if (count)
		*count += 1; /* per-CPU value: no other writer */
}

static __always_inline __u64 next_sequence(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&sequence, &zero);

	if (!seq)
		return 0;
	return (*seq)++;
}

static __always_inline void fill_header(struct event_header *hdr, __u16 op, __u32 size)
{
	hdr->op = op;
	hdr->size = size;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->ktime = bpf_ktime_get_boot_ns();
	hdr->seq = next_sequence();
}

/*
 * Reserves a fixed-size record with its header filled in, or counts the loss.
 * The sequence number is taken even on failure so that user space sees a gap.
 */
static __always_inline void *reserve_event(__u16 op, __u32 size)
{
	struct event_header *hdr = bpf_ringbuf_reserve(&events, size, 0);

	if (!hdr) {
		next_sequence();
		count_drop(op, EBPIPE_DROP_RING_FULL);
		return NULL;
	}
	fill_header(hdr, op, size);
	return hdr;
}

/*
 * Per-CPU scratch is shared by every program on a CPU. Syscall tracepoints
 * may be preempted on recent kernels, so a second program could run on this
 * CPU while the first is half-way through its record: the busy flag makes the
 * second one count a drop instead of corrupting the first one's record.
 */
static __always_inline struct scratch *scratch_acquire(__u16 op)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch_space, &zero);

	if (!s)
		return NULL;
	if (__sync_val_compare_and_swap(&s->busy, 0, 1) != 0) {
		next_sequence();
		count_drop(op, EBPIPE_DROP_SCRATCH_BUSY);
		return NULL;
	}
	return s;
}

static __always_inline void scratch_release(struct scratch *s)
{
	*(volatile __u64 *)&s->busy = 0;
}

/* Sends a record built in scratch; only `size` bytes cross into the ring. */
static __always_inline void output_event(struct event_header *hdr, __u16 op, __u32 size)
{
	fill_header(hdr, op, size);
	if (bpf_ringbuf_output(&events, hdr, size, wakeup_flags()) != 0)
		count_drop(op, EBPIPE_DROP_RING_FULL);
}

#endif /* EBPIPE_EMIT_BPF_H */
