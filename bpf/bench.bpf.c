// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Load generator for bench/ring and the ring-reader tests: one record per
 * getppid() of one process, the cheapest syscall there is, so that the ring
 * and its consumers are what gets measured. Never loaded by the agent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The generator's tgid, set before load. */
const volatile __u32 target_tgid = 0;

SEC("tp/syscalls/sys_enter_getppid")
int handle_bench_syscall(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct bench_event *ev;

	if ((__u32)(id >> 32) != target_tgid)
		return 0;
	ev = reserve_event(EBPIPE_OP_BENCH, sizeof(*ev));
	if (!ev)
		return 0;
	ev->task.tgid = id >> 32;
	ev->task.pid = (__u32)id;
	ev->task.start_ns = 0;
	ev->value = bpf_ktime_get_ns();
	submit_event(ev);
	return 0;
}
