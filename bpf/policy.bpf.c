// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy enforcement: the hooks TracingPolicy-style policies attach to, and
 * their evaluation in the kernel (bpf/lib/policy_eval.bpf.h). Only what a
 * selector matched is copied to user space; everything else is counted.
 *
 * One object, two variants (src/kernel/sensors.ts, sensor "policy"):
 *  - lsm: lsm/file_open catches every open before it completes and can make
 *    it fail (Override) as well as signal the caller;
 *  - tracepoint: where the kernel allows no BPF LSM programs, the exits of
 *    open, openat, openat2 and creat look the new fd up and signal before
 *    the process returns to user space, so a killed process never reads.
 * Both match the file that was opened (its path as resolved by the kernel,
 * and its device and inode), never only the name the caller typed: relative
 * names, "..", symlinks and hard links all lead to the same file.
 *
 * TCP connections are seen at sock/inet_sock_set_state to SYN_SENT, in the
 * connecting task's context, before the SYN is sent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "policy.h"
#include "lib/policy_eval.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_PATH 010000000
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_SYN_SENT 2
#define PF_KTHREAD 0x00200000
/* include/linux/fs.h: files the kernel opens for itself, e.g. overlayfs's real file behind the one a process opened. */
#define FMODE_NOACCOUNT 0x20000000

/* x86_64 system call numbers (orig_ax) of the calls a policy names. */
#define NR_OPEN 2
#define NR_CREAT 85
#define NR_OPENAT 257
#define NR_OPENAT2 437
#define NR_CONNECT 42
#define NR_SENDTO 44
#define NR_SENDMSG 46

struct open_how_args {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

static __always_inline __u32 syscall_of(long nr)
{
	switch (nr) {
	case NR_OPEN:
		return EBPIPE_SYS_OPEN;
	case NR_OPENAT:
		return EBPIPE_SYS_OPENAT;
	case NR_OPENAT2:
		return EBPIPE_SYS_OPENAT2;
	case NR_CREAT:
		return EBPIPE_SYS_CREAT;
	case NR_CONNECT:
		return EBPIPE_SYS_CONNECT;
	case NR_SENDTO:
		return EBPIPE_SYS_SENDTO;
	case NR_SENDMSG:
		return EBPIPE_SYS_SENDMSG;
	}
	return EBPIPE_SYS_NONE;
}

static __always_inline struct pt_regs *current_regs(struct task_struct *task)
{
	return (struct pt_regs *)bpf_task_pt_regs(task);
}

/*
 * The open family's arguments, from the registers the call was made with:
 * they are saved at entry and unchanged until the return to user space, so
 * the exit program needs no entry program.
 */
static __always_inline void open_args(struct policy_state *st, struct pt_regs *regs)
{
	unsigned long a0 = BPF_CORE_READ(regs, di), a1 = BPF_CORE_READ(regs, si), a2 = BPF_CORE_READ(regs, dx),
		      a3 = BPF_CORE_READ(regs, r10);
	struct open_how_args how = {};

	switch (st->syscall) {
	case EBPIPE_SYS_OPEN:
		st->args[EBPIPE_ARG_FLAGS] = (__u32)a1;
		st->args[EBPIPE_ARG_MODE] = (__u32)a2;
		break;
	case EBPIPE_SYS_OPENAT:
		st->args[EBPIPE_ARG_DIRFD] = (int)a0;
		st->args[EBPIPE_ARG_FLAGS] = (__u32)a2;
		st->args[EBPIPE_ARG_MODE] = (__u32)a3;
		break;
	case EBPIPE_SYS_OPENAT2:
		st->args[EBPIPE_ARG_DIRFD] = (int)a0;
		bpf_probe_read_user(&how, sizeof(how), (void *)a2);
		st->args[EBPIPE_ARG_FLAGS] = how.flags;
		st->args[EBPIPE_ARG_MODE] = how.mode;
		break;
	case EBPIPE_SYS_CREAT:
		st->args[EBPIPE_ARG_FLAGS] = O_CREAT | O_WRONLY | O_TRUNC;
		st->args[EBPIPE_ARG_MODE] = (__u32)a1;
		break;
	}
	st->open_flags = st->args[EBPIPE_ARG_FLAGS];
}

/* An open of the given syscall returned `ret`: evaluate the file it opened. */
static __always_inline int policy_open_exit(long ret, __u32 syscall)
{
	struct policy_begin b;
	struct policy_scratch *s;
	struct policy_state *st;
	struct task_struct *task;
	struct file *file;

	if (!policy_begin(EBPIPE_HOOK_FILE_OPEN, &b))
		return 0;
	/* Only opens that succeeded have a file to match: a failed one opened nothing. */
	if (ret < 0 || !(b.hook->syscalls & (1ULL << syscall))) {
		policy_count_hook(EBPIPE_HOOK_FILE_OPEN, EBPIPE_HOOK_COUNT_SKIPPED);
		return 0;
	}
	task = bpf_get_current_task_btf();
	file = file_of_fd(task, ret);
	/* O_PATH opens nothing that can be read or written; lsm/file_open does not see them either. */
	if (!file || (BPF_CORE_READ(file, f_flags) & O_PATH)) {
		policy_count_hook(EBPIPE_HOOK_FILE_OPEN, EBPIPE_HOOK_COUNT_SKIPPED);
		return 0;
	}
	s = policy_scratch_acquire(EBPIPE_HOOK_FILE_OPEN);
	if (!s)
		return 0;
	st = policy_state_init(s, &b, EBPIPE_HOOK_FILE_OPEN, EBPIPE_MECH_SYSCALL_EXIT, syscall);
	st->result = ret;
	st->args[EBPIPE_ARG_FD] = ret;
	open_args(st, current_regs(task));
	policy_file_subject(s, task, file, b.hook->needs);
	policy_collect(s, task, b.hook);
	policy_run(s, task, b.hook);
	policy_scratch_release(s);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int policy_exit_open(struct syscall_trace_exit *ctx)
{
	return policy_open_exit(ctx->ret, EBPIPE_SYS_OPEN);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int policy_exit_openat(struct syscall_trace_exit *ctx)
{
	return policy_open_exit(ctx->ret, EBPIPE_SYS_OPENAT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int policy_exit_openat2(struct syscall_trace_exit *ctx)
{
	return policy_open_exit(ctx->ret, EBPIPE_SYS_OPENAT2);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int policy_exit_creat(struct syscall_trace_exit *ctx)
{
	return policy_open_exit(ctx->ret, EBPIPE_SYS_CREAT);
}

/*
 * Every open, by any path into the kernel, before the file is usable: the
 * returned error makes the open fail (Override), before O_TRUNC truncates.
 * `ret` is what earlier BPF LSM programs decided.
 */
SEC("lsm/file_open")
int BPF_PROG(policy_file_open, struct file *file, int ret)
{
	struct policy_begin b;
	struct policy_scratch *s;
	struct policy_state *st;
	struct task_struct *task;
	__u32 syscall = EBPIPE_SYS_NONE;
	int verdict;

	if (ret != 0 || !policy_begin(EBPIPE_HOOK_FILE_OPEN, &b))
		return ret;
	/*
	 * A stacked filesystem's own open of the file underneath: the process's open of the
	 * file it named was evaluated already, with the identity user space sees.
	 */
	if (BPF_CORE_READ(file, f_mode) & FMODE_NOACCOUNT) {
		policy_count_hook(EBPIPE_HOOK_FILE_OPEN, EBPIPE_HOOK_COUNT_SKIPPED);
		return 0;
	}
	task = bpf_get_current_task_btf();
	if (!(BPF_CORE_READ(task, flags) & PF_KTHREAD))
		syscall = syscall_of(BPF_CORE_READ(current_regs(task), orig_ax));
	if (!(b.hook->syscalls & (1ULL << syscall))) {
		policy_count_hook(EBPIPE_HOOK_FILE_OPEN, EBPIPE_HOOK_COUNT_SKIPPED);
		return 0;
	}
	s = policy_scratch_acquire(EBPIPE_HOOK_FILE_OPEN);
	if (!s)
		return 0;
	st = policy_state_init(s, &b, EBPIPE_HOOK_FILE_OPEN, EBPIPE_MECH_LSM, syscall);
	if (syscall != EBPIPE_SYS_NONE)
		open_args(st, current_regs(task));
	else
		st->args[EBPIPE_ARG_FLAGS] = st->open_flags = BPF_CORE_READ(file, f_flags);
	policy_file_subject(s, task, file, b.hook->needs);
	policy_collect(s, task, b.hook);
	policy_run(s, task, b.hook);
	verdict = st->verdict;
	policy_scratch_release(s);
	return verdict;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(policy_tcp_connect, const struct sock *sk, const int oldstate, const int newstate)
{
	struct policy_begin b;
	struct policy_scratch *s;
	struct policy_state *st;
	struct task_struct *task;

	if (newstate != TCP_SYN_SENT || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (!policy_begin(EBPIPE_HOOK_TCP_CONNECT, &b))
		return 0;
	s = policy_scratch_acquire(EBPIPE_HOOK_TCP_CONNECT);
	if (!s)
		return 0;
	task = bpf_get_current_task_btf();
	st = policy_state_init(s, &b, EBPIPE_HOOK_TCP_CONNECT, EBPIPE_MECH_TP_BTF,
			       syscall_of(BPF_CORE_READ(current_regs(task), orig_ax)));
	st->syscall_bit = ~0ULL; /* connect, or sendto/sendmsg with TCP fast open: all the same to a rule */
	st->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* The source port is chosen right after this state change unless the socket was bound: often 0. */
	st->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	st->dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (st->family == AF_INET) {
		bpf_core_read(st->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(st->daddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(st->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(st->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	if (b.hook->needs & EBPIPE_NEED_PORTS) {
		struct policy_port_key sport = { .gen = st->gen, .which = 0, .port = st->sport };
		struct policy_port_key dport = { .gen = st->gen, .which = 1, .port = st->dport };
		struct policy_bits *bits = bpf_map_lookup_elem(&policy_ports, &sport);

		if (bits)
			policy_bits_or(&st->matched, bits);
		bits = bpf_map_lookup_elem(&policy_ports, &dport);
		if (bits)
			policy_bits_or(&st->matched, bits);
	}
	if (b.hook->needs & EBPIPE_NEED_ADDRS) {
		struct policy_addr_key key = { .prefixlen = st->family == AF_INET ? 64 : 160, .gen = st->gen, .family = st->family };
		struct policy_bits *bits;

		__builtin_memcpy(key.addr, st->saddr, sizeof(key.addr));
		bits = bpf_map_lookup_elem(&policy_addrs, &key);
		if (bits)
			policy_bits_or(&st->matched, bits);
		key.which = 1;
		__builtin_memcpy(key.addr, st->daddr, sizeof(key.addr));
		bits = bpf_map_lookup_elem(&policy_addrs, &key);
		if (bits)
			policy_bits_or(&st->matched, bits);
	}
	policy_collect(s, task, b.hook);
	policy_run(s, task, b.hook);
	policy_scratch_release(s);
	return 0;
}

/* A new image: its binary filter bits are computed again at its first evaluated operation. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(policy_forget_image, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;

	bpf_map_delete_elem(&policy_processes, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(policy_forget_process, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (task->pid == tgid)
		bpf_map_delete_elem(&policy_processes, &tgid);
	return 0;
}
