/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one ABI between the kernel programs and user space.
 *
 * Every record in the `events` ring buffer starts with struct event_header;
 * the op says which struct follows. Ops are numbered explicitly and a number
 * is never reused: a capture recorded by an older agent must still decode.
 * Padding is written out so that the layout is the same for clang -target bpf,
 * gcc on x86_64 and the TypeScript decoder generated from this object's BTF
 * (src/events/generated/abi.ts); test/abi.root.test.ts fails when they drift.
 *
 * Structs whose name ends in _event are records; the others are parts of them.
 * Variable-length records carry a `data` tail whose layout each struct states,
 * and submit only the bytes they filled (header.size says how many).
 */
#ifndef EBPIPE_EVENTS_H
#define EBPIPE_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bumped when a record's layout changes; captures name the version they hold. An enum so that BTF carries it. */
enum ebpipe_abi_version {
	EBPIPE_ABI_VERSION = 1,
};

enum ebpipe_op {
	EBPIPE_OP_EXEC = 1,
	EBPIPE_OP_EXIT = 2,
	EBPIPE_OP_FORK = 3,
	/* Emitted only by bpf/bench.bpf.c, for the ring-buffer benchmark. */
	EBPIPE_OP_BENCH = 100,
	/* Size of per-op arrays (drop counters); every op is below it. */
	EBPIPE_OP_MAX = 128,
};

/* Bounds of the variable-length parts. */
enum ebpipe_limits {
	EBPIPE_COMM_LEN = 16,
	/* Longest path reported; longer ones keep their last bytes and are flagged. */
	EBPIPE_PATH_MAX_LEN = 4096,
	/* Bytes of argv (NUL-separated, as the kernel stores it) kept per exec. */
	EBPIPE_ARGV_MAX_LEN = 4096,
};

/* Reasons a record was lost in the kernel, counted per op and per CPU. */
enum ebpipe_drop_reason {
	EBPIPE_DROP_RING_FULL = 0,
	/* Another program on this CPU held the per-CPU scratch buffer. */
	EBPIPE_DROP_SCRATCH_BUSY = 1,
	EBPIPE_DROP_REASON_MAX = 2,
};

struct event_header {
	__u16 op;
	/* Bytes in the record, this header included. */
	__u16 size;
	__u32 cpu;
	/* bpf_ktime_get_boot_ns(): nanoseconds since boot, suspend included. */
	__u64 ktime;
	/* Per-CPU sequence number of records this CPU tried to emit: a gap is a loss. */
	__u64 seq;
};

/*
 * Who did it. (tgid, start_ns) names a process across pid reuse: start_ns is
 * the thread group leader's start time on the boot clock, as /proc/PID/stat
 * reports it (in clock ticks there).
 */
struct task_ids {
	__u32 tgid;
	/* The thread that did it. */
	__u32 pid;
	__u64 start_ns;
};

struct credentials {
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u64 cap_effective;
	__u64 cap_permitted;
};

/* Namespace inode numbers, as in the links under /proc/PID/ns/. */
struct namespaces {
	__u32 mnt;
	__u32 pid;
	__u32 net;
	__u32 uts;
	__u32 ipc;
	__u32 user;
	__u32 cgroup;
	__u32 _pad;
};

enum ebpipe_exec_flags {
	EBPIPE_EXEC_ARGV_TRUNCATED = 1 << 0,
	EBPIPE_EXEC_FILENAME_TRUNCATED = 1 << 1,
	EBPIPE_EXEC_CWD_TRUNCATED = 1 << 2,
	/* The path of the executed file could not be resolved: filename is as typed. */
	EBPIPE_EXEC_FILENAME_UNRESOLVED = 1 << 3,
};

/*
 * A successful execve/execveat.
 * data: filename_len bytes of the executed file's absolute path, then argv_len
 * bytes of argv (NUL-separated, argc strings when not truncated), then cwd_len
 * bytes of the working directory. No terminating NULs.
 */
struct exec_event {
	struct event_header hdr;
	struct task_ids task;
	struct task_ids parent;
	struct credentials creds;
	struct namespaces ns;
	__u64 cgroup_id;
	__u32 flags;
	__u32 argc;
	__u16 filename_len;
	__u16 argv_len;
	__u16 cwd_len;
	__u16 _pad;
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

/* The last thread of a process exited. */
struct exit_event {
	struct event_header hdr;
	struct task_ids task;
	/* wait(2) status: exit code in bits 8-15, terminating signal in bits 0-6, core dump bit 7. */
	__u32 status;
	__u32 _pad;
	char comm[EBPIPE_COMM_LEN];
};

/* A new process (not a thread) was forked. */
struct fork_event {
	struct event_header hdr;
	struct task_ids task;
	struct task_ids parent;
	char comm[EBPIPE_COMM_LEN];
};

/* One record per traced syscall of the benchmark's load generator. */
struct bench_event {
	struct event_header hdr;
	struct task_ids task;
	__u64 value;
};

#endif /* EBPIPE_EVENTS_H */
