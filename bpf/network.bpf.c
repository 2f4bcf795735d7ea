// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * IPv4/IPv6 sockets: TCP connect, accept and close; UDP connect and send
 * destinations; bind and listen.
 *
 * connect, accept, bind, listen and the sends are reported at the syscall's
 * exit, in the calling process, with the addresses the kernel's socket holds
 * by then (a connect's source port is chosen inside the call, after the
 * SYN_SENT state change, so the state change alone cannot report it).
 * A TCP socket's end is seen at sock/inet_sock_set_state -> TCP_CLOSE, often
 * in softirq context where the current task is whoever was interrupted: the
 * close is attributed to the owner remembered when the socket was connected,
 * accepted or put to listen.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "events.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/fd.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define EINPROGRESS 115
/* sizeof(struct sockaddr_in6), the largest address these calls take. */
#define SOCKADDR_MAX 28

struct pending_net_op {
	/* enum ebpipe_syscall */
	__u32 syscall;
	__s32 fd;
	__u32 backlog;
	/* Bytes of addr that were read: 0 when the call named no address. */
	__u32 addr_len;
	/* The sockaddr the call passed, read at enter. */
	__u8 addr[SOCKADDR_MAX];
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pending_net_op);
} pending_net_ops SEC(".maps");

struct sock_owner {
	struct task_ids task;
	char comm[EBPIPE_COMM_LEN];
};

/*
 * struct sock * -> the process that connected, accepted or listened on it,
 * until the socket reaches TCP_CLOSE. LRU: sockets whose end was missed
 * (opened before a restart) age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

struct udp_destination {
	__u64 start_ns;
	__u32 tgid;
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

/* Destinations each process has sent datagrams to: one record per (process, destination). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct udp_destination);
	__type(value, __u8);
} udp_destinations SEC(".maps");

static __always_inline int save_pending(struct pending_net_op *op)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (from_agent(id))
		return 0;
	bpf_map_update_elem(&pending_net_ops, &id, op, BPF_ANY);
	return 0;
}

static __always_inline bool take_pending(__u32 syscall, struct pending_net_op *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_net_op *op = bpf_map_lookup_elem(&pending_net_ops, &id);
	bool found = op && op->syscall == syscall;

	if (found)
		__builtin_memcpy(out, op, sizeof(*out));
	if (op)
		bpf_map_delete_elem(&pending_net_ops, &id);
	return found;
}

static __always_inline void read_sockaddr(struct pending_net_op *op, const void *addr, __u32 len)
{
	if (!addr || len < 2)
		return;
	if (len > SOCKADDR_MAX)
		len = SOCKADDR_MAX;
	if (bpf_probe_read_user(op->addr, len & 31, addr) == 0)
		op->addr_len = len;
}

static __always_inline bool is_inet(__u16 family)
{
	return family == AF_INET || family == AF_INET6;
}

/* The family, protocol, addresses and ports the socket holds now. */
static __always_inline void read_sock(struct sock *sk, struct sock_event *ev)
{
	ev->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	ev->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	/* Unhashing at TCP_CLOSE has zeroed skc_num by the time the state change is traced; the source port stays. */
	if (!ev->local_port)
		ev->local_port = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	ev->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (ev->family == AF_INET) {
		bpf_core_read(ev->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(ev->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(ev->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(ev->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* An address and port from a sockaddr_in/sockaddr_in6 the caller passed; false if it is neither. */
static __always_inline bool parse_sockaddr(struct pending_net_op *op, __u8 *addr, __u16 *port)
{
	__u16 family = *(__u16 *)&op->addr[0];

	if (family == AF_INET && op->addr_len >= 8) {
		__builtin_memcpy(addr, &op->addr[4], 4);
	} else if (family == AF_INET6 && op->addr_len >= 24) {
		__builtin_memcpy(addr, &op->addr[8], 16);
	} else {
		return false;
	}
	*port = bpf_ntohs(*(__u16 *)&op->addr[2]);
	return true;
}

static __always_inline void fill_common(struct sock_event *ev, struct task_struct *task, __u32 syscall, long ret)
{
	read_task_ids(task, &ev->task);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->result = ret;
	ev->syscall = syscall;
	__builtin_memset(ev->local_addr, 0, sizeof(ev->local_addr));
	__builtin_memset(ev->remote_addr, 0, sizeof(ev->remote_addr));
	ev->backlog = 0;
	ev->old_state = 0;
	ev->flags = 0;
	ev->_pad = 0;
	ev->bytes_acked = 0;
	ev->bytes_received = 0;
}

static __always_inline void remember_owner(struct sock *sk)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct sock_owner owner = {};
	__u64 key = (__u64)sk;

	read_task_ids(task, &owner.task);
	bpf_get_current_comm(owner.comm, sizeof(owner.comm));
	bpf_map_update_elem(&sock_owners, &key, &owner, BPF_ANY);
}

/* The inet socket behind the fd of a finished call, or NULL. */
static __always_inline struct sock *inet_sock_of_fd(struct task_struct *task, int fd)
{
	struct sock *sk = sock_of_fd(task, fd);

	if (!sk || !is_inet(BPF_CORE_READ(sk, __sk_common.skc_family)))
		return NULL;
	return sk;
}

SEC("tp/syscalls/sys_enter_connect")
int net_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_net_op op = { .syscall = EBPIPE_SYS_CONNECT, .fd = ctx->args[0] };

	read_sockaddr(&op, (const void *)ctx->args[1], ctx->args[2]);
	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_connect")
int net_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_net_op op;
	struct sock_event *ev;
	struct sock *sk;
	long ret = ctx->ret;

	if (!take_pending(EBPIPE_SYS_CONNECT, &op))
		return 0;
	sk = inet_sock_of_fd(task, op.fd);
	if (!sk)
		return 0;
	ev = reserve_event(EBPIPE_OP_NET_CONNECT, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, op.syscall, ret);
	read_sock(sk, ev);
	/* A failed connect may have reset the socket's peer: report the one asked for. */
	if (ret != 0 && ret != -EINPROGRESS)
		parse_sockaddr(&op, ev->remote_addr, &ev->remote_port);
	submit_event(ev);
	return 0;
}

static __always_inline int enter_accept(struct trace_event_raw_sys_enter *ctx, __u32 syscall)
{
	struct pending_net_op op = { .syscall = syscall, .fd = ctx->args[0] };

	return save_pending(&op);
}

/* Only accepted connections are reported: a failed accept (EAGAIN on every non-blocking drain) names none. */
static __always_inline int exit_accept(struct trace_event_raw_sys_exit *ctx, __u32 syscall)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_net_op op;
	struct sock_event *ev;
	struct sock *sk;
	long ret = ctx->ret;

	if (!take_pending(syscall, &op) || ret < 0)
		return 0;
	sk = inet_sock_of_fd(task, ret);
	if (!sk)
		return 0;
	remember_owner(sk);
	ev = reserve_event(EBPIPE_OP_NET_ACCEPT, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, syscall, ret);
	read_sock(sk, ev);
	submit_event(ev);
	return 0;
}

SEC("tp/syscalls/sys_enter_accept")
int net_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return enter_accept(ctx, EBPIPE_SYS_ACCEPT);
}

SEC("tp/syscalls/sys_exit_accept")
int net_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx, EBPIPE_SYS_ACCEPT);
}

SEC("tp/syscalls/sys_enter_accept4")
int net_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return enter_accept(ctx, EBPIPE_SYS_ACCEPT4);
}

SEC("tp/syscalls/sys_exit_accept4")
int net_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return exit_accept(ctx, EBPIPE_SYS_ACCEPT4);
}

SEC("tp/syscalls/sys_enter_bind")
int net_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_net_op op = { .syscall = EBPIPE_SYS_BIND, .fd = ctx->args[0] };

	read_sockaddr(&op, (const void *)ctx->args[1], ctx->args[2]);
	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_bind")
int net_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_net_op op;
	struct sock_event *ev;
	struct sock *sk;
	long ret = ctx->ret;

	if (!take_pending(EBPIPE_SYS_BIND, &op))
		return 0;
	sk = inet_sock_of_fd(task, op.fd);
	if (!sk)
		return 0;
	ev = reserve_event(EBPIPE_OP_NET_BIND, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, op.syscall, ret);
	read_sock(sk, ev);
	/* Bound: the socket holds the port the kernel chose for port 0. Failed: what was asked for. */
	if (ret != 0)
		parse_sockaddr(&op, ev->local_addr, &ev->local_port);
	submit_event(ev);
	return 0;
}

SEC("tp/syscalls/sys_enter_listen")
int net_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_net_op op = { .syscall = EBPIPE_SYS_LISTEN, .fd = ctx->args[0], .backlog = ctx->args[1] };

	return save_pending(&op);
}

SEC("tp/syscalls/sys_exit_listen")
int net_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pending_net_op op;
	struct sock_event *ev;
	struct sock *sk;
	long ret = ctx->ret;

	if (!take_pending(EBPIPE_SYS_LISTEN, &op))
		return 0;
	sk = inet_sock_of_fd(task, op.fd);
	if (!sk)
		return 0;
	if (ret == 0)
		remember_owner(sk);
	ev = reserve_event(EBPIPE_OP_NET_LISTEN, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, op.syscall, ret);
	read_sock(sk, ev);
	ev->backlog = op.backlog;
	submit_event(ev);
	return 0;
}

SEC("tp/syscalls/sys_enter_sendto")
int net_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_net_op op = { .syscall = EBPIPE_SYS_SENDTO, .fd = ctx->args[0] };

	/* A send without a destination goes where connect said, and connect was reported. */
	if (!ctx->args[4])
		return 0;
	read_sockaddr(&op, (const void *)ctx->args[4], ctx->args[5]);
	return save_pending(&op);
}

SEC("tp/syscalls/sys_enter_sendmsg")
int net_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_net_op op = { .syscall = EBPIPE_SYS_SENDMSG, .fd = ctx->args[0] };
	struct user_msghdr msg = {};

	if (bpf_probe_read_user(&msg, sizeof(msg), (const void *)ctx->args[1]) || !msg.msg_name)
		return 0;
	read_sockaddr(&op, msg.msg_name, msg.msg_namelen);
	return save_pending(&op);
}

/* The first datagram of a process to a destination; later ones to it are not reported. */
static __always_inline int exit_udp_send(struct trace_event_raw_sys_exit *ctx, __u32 syscall)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct udp_destination dest = {};
	struct pending_net_op op;
	struct sock_event *ev;
	struct sock *sk;
	__u8 seen = 1;

	if (!take_pending(syscall, &op))
		return 0;
	sk = inet_sock_of_fd(task, op.fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	if (!parse_sockaddr(&op, dest.addr, &dest.port))
		return 0;
	dest.family = *(__u16 *)&op.addr[0];
	dest.tgid = BPF_CORE_READ(task, tgid);
	dest.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	if (bpf_map_update_elem(&udp_destinations, &dest, &seen, BPF_NOEXIST) != 0)
		return 0;
	ev = reserve_event(EBPIPE_OP_NET_UDP_SEND, sizeof(*ev));
	if (!ev)
		return 0;
	fill_common(ev, task, syscall, ctx->ret);
	read_sock(sk, ev);
	__builtin_memcpy(ev->remote_addr, dest.addr, sizeof(ev->remote_addr));
	ev->remote_port = dest.port;
	submit_event(ev);
	return 0;
}

SEC("tp/syscalls/sys_exit_sendto")
int net_exit_sendto(struct trace_event_raw_sys_exit *ctx)
{
	return exit_udp_send(ctx, EBPIPE_SYS_SENDTO);
}

SEC("tp/syscalls/sys_exit_sendmsg")
int net_exit_sendmsg(struct trace_event_raw_sys_exit *ctx)
{
	return exit_udp_send(ctx, EBPIPE_SYS_SENDMSG);
}

/*
 * CLOSE -> SYN_SENT runs inside connect(), in the connecting task: the owner
 * of a connection made by any path (connect, io_uring). -> CLOSE is the end
 * of every TCP socket, whatever context the kernel reaches it in.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(net_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct sock *s = (struct sock *)sk;
	struct sock_owner *owner;
	struct sock_event *ev;
	__u64 key = (__u64)sk;

	if (BPF_CORE_READ(s, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_SYN_SENT) {
		remember_owner(s);
		return 0;
	}
	if (newstate != TCP_CLOSE)
		return 0;
	ev = reserve_event(EBPIPE_OP_NET_CLOSE, sizeof(*ev));
	if (!ev) {
		bpf_map_delete_elem(&sock_owners, &key);
		return 0;
	}
	fill_common(ev, (struct task_struct *)bpf_get_current_task(), EBPIPE_SYS_NONE, 0);
	owner = bpf_map_lookup_elem(&sock_owners, &key);
	if (owner) {
		ev->task = owner->task;
		__builtin_memcpy(ev->comm, owner->comm, sizeof(ev->comm));
	} else {
		__builtin_memset(&ev->task, 0, sizeof(ev->task));
		__builtin_memset(ev->comm, 0, sizeof(ev->comm));
		ev->flags |= EBPIPE_NET_OWNER_UNKNOWN;
	}
	read_sock(s, ev);
	ev->old_state = oldstate;
	ev->bytes_acked = BPF_CORE_READ((struct tcp_sock *)s, bytes_acked);
	ev->bytes_received = BPF_CORE_READ((struct tcp_sock *)s, bytes_received);
	submit_event(ev);
	bpf_map_delete_elem(&sock_owners, &key);
	return 0;
}
