/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one ABI between the kernel programs and user space.
 *
 * Every record in the `events` ring buffer starts with struct event_header;
 * the op says which struct follows. Ops are numbered explicitly and a number
 * is never reused: a capture recorded by an older agent must still decode.
 * Padding is written out so that the layout is the same for clang -target bpf,
 * gcc on x86_64 and the TypeScript decoder generated from this object's BTF
 * (src/events/generated/abi.ts); test/abi.test.ts fails when they drift.
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
	/* bpf/file.bpf.c */
	EBPIPE_OP_FILE_OPEN = 10,
	EBPIPE_OP_FILE_UNLINK = 11,
	EBPIPE_OP_FILE_RENAME = 12,
	EBPIPE_OP_FILE_CHMOD = 13,
	EBPIPE_OP_FILE_CHOWN = 14,
	/* bpf/network.bpf.c */
	EBPIPE_OP_NET_CONNECT = 20,
	EBPIPE_OP_NET_ACCEPT = 21,
	EBPIPE_OP_NET_CLOSE = 22,
	EBPIPE_OP_NET_BIND = 23,
	EBPIPE_OP_NET_LISTEN = 24,
	EBPIPE_OP_NET_UDP_SEND = 25,
	/* bpf/credentials.bpf.c */
	EBPIPE_OP_CRED_CHANGE = 30,
	/* bpf/modules.bpf.c */
	EBPIPE_OP_MODULE_LOAD = 40,
	EBPIPE_OP_MODULE_UNLOAD = 41,
	/* bpf/policy.bpf.c, bpf/policy_lsm.bpf.c: a policy's selector matched. */
	EBPIPE_OP_POLICY = 50,
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
	/* MODULE_NAME_LEN of the kernel (64 - sizeof(unsigned long)). */
	EBPIPE_MODULE_NAME_LEN = 56,
	/* Bytes of a module's parameter string kept per load. */
	EBPIPE_MODULE_ARGS_MAX_LEN = 1024,
	/* Supplementary groups listed per credentials record. */
	EBPIPE_GROUPS_MAX = 8,
};

/*
 * The system call a record comes from: one op covers several (open, openat,
 * openat2, creat). NONE for records not made in a system call (a TCP close
 * from the network stack).
 */
enum ebpipe_syscall {
	EBPIPE_SYS_NONE = 0,
	EBPIPE_SYS_OPEN = 1,
	EBPIPE_SYS_OPENAT = 2,
	EBPIPE_SYS_OPENAT2 = 3,
	EBPIPE_SYS_CREAT = 4,
	EBPIPE_SYS_UNLINK = 5,
	EBPIPE_SYS_UNLINKAT = 6,
	EBPIPE_SYS_RENAME = 7,
	EBPIPE_SYS_RENAMEAT = 8,
	EBPIPE_SYS_RENAMEAT2 = 9,
	EBPIPE_SYS_CHMOD = 10,
	EBPIPE_SYS_FCHMOD = 11,
	EBPIPE_SYS_FCHMODAT = 12,
	EBPIPE_SYS_FCHMODAT2 = 13,
	EBPIPE_SYS_CHOWN = 14,
	EBPIPE_SYS_FCHOWN = 15,
	EBPIPE_SYS_LCHOWN = 16,
	EBPIPE_SYS_FCHOWNAT = 17,
	EBPIPE_SYS_CONNECT = 20,
	EBPIPE_SYS_ACCEPT = 21,
	EBPIPE_SYS_ACCEPT4 = 22,
	EBPIPE_SYS_BIND = 23,
	EBPIPE_SYS_LISTEN = 24,
	EBPIPE_SYS_SENDTO = 25,
	EBPIPE_SYS_SENDMSG = 26,
	EBPIPE_SYS_SETUID = 30,
	EBPIPE_SYS_SETGID = 31,
	EBPIPE_SYS_SETREUID = 32,
	EBPIPE_SYS_SETREGID = 33,
	EBPIPE_SYS_SETRESUID = 34,
	EBPIPE_SYS_SETRESGID = 35,
	EBPIPE_SYS_SETGROUPS = 36,
	EBPIPE_SYS_CAPSET = 37,
	EBPIPE_SYS_SETFSUID = 38,
	EBPIPE_SYS_SETFSGID = 39,
	EBPIPE_SYS_INIT_MODULE = 40,
	EBPIPE_SYS_FINIT_MODULE = 41,
	EBPIPE_SYS_DELETE_MODULE = 42,
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

enum ebpipe_file_flags {
	/*
	 * The path is the name the caller passed, joined to the directory it is
	 * relative to (cwd or dirfd): the file could not be named from the kernel's
	 * own objects (a failed open, a path that is gone after unlink), so
	 * symlinks and ".." in the name are as typed.
	 */
	EBPIPE_FILE_PATH_UNRESOLVED = 1 << 0,
	/* The path was longer than the bound: it keeps its last components. */
	EBPIPE_FILE_PATH_TRUNCATED = 1 << 1,
	/* The same two for the second path of a rename. */
	EBPIPE_FILE_NEW_PATH_UNRESOLVED = 1 << 2,
	EBPIPE_FILE_NEW_PATH_TRUNCATED = 1 << 3,
	/*
	 * The opened file was taken at lsm/file_open, so it is the one this call
	 * opened even if another thread has since closed the fd and reused it.
	 */
	EBPIPE_FILE_FROM_LSM = 1 << 4,
};

/*
 * open, openat, openat2 and creat, at the system call's exit.
 * data: path_len bytes of the path: the opened file's absolute path when the
 * call succeeded, else the name as typed (EBPIPE_FILE_PATH_UNRESOLVED).
 */
struct file_open_event {
	struct event_header hdr;
	struct task_ids task;
	/* The new fd, or -errno. */
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	/* O_* flags as passed; creat's implied O_CREAT|O_WRONLY|O_TRUNC included. */
	__u32 open_flags;
	/* Creation mode as the kernel takes it: 0 unless O_CREAT or O_TMPFILE (openat2: as passed). */
	__u32 mode;
	/* openat2's RESOLVE_* flags; 0 for the others. */
	__u64 resolve;
	/* The opened file's device (encoded as stat(2)'s st_dev) and inode; 0 when the call failed. */
	__u64 dev;
	__u64 ino;
	/* The directory fd of openat/openat2; AT_FDCWD (-100) for open and creat. */
	__s32 dirfd;
	/* enum ebpipe_file_flags */
	__u32 flags;
	__u16 path_len;
	__u16 _pad[3];
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

/*
 * unlink (EBPIPE_OP_FILE_UNLINK), chmod (_CHMOD) and chown (_CHOWN) families:
 * one file named by path, or by fd (fchmod, fchown, AT_EMPTY_PATH).
 * data: path_len bytes of path. A file named by fd has its resolved path, device
 * and inode; a path is as typed, joined to its directory (EBPIPE_FILE_PATH_UNRESOLVED).
 */
struct file_path_event {
	struct event_header hdr;
	struct task_ids task;
	/* 0 or -errno. */
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	/* The directory fd of the *at calls, the file's fd for fchmod/fchown, else AT_FDCWD. */
	__s32 dirfd;
	/* AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH as passed; lchown reports AT_SYMLINK_NOFOLLOW. */
	__u32 at_flags;
	/* chmod: the mode asked for. */
	__u32 mode;
	/* chown: the owner and group asked for; 0xffffffff leaves one unchanged. */
	__u32 uid;
	__u32 gid;
	/* enum ebpipe_file_flags */
	__u32 flags;
	/* For a file named by fd (as stat(2) reports them); 0 otherwise. */
	__u64 dev;
	__u64 ino;
	__u16 path_len;
	__u16 _pad[3];
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

/*
 * rename, renameat, renameat2. The paths are as typed, joined to their
 * directories: after the call the old name no longer exists.
 * data: old_path_len bytes of the old path, then new_path_len bytes of the new one.
 */
struct file_rename_event {
	struct event_header hdr;
	struct task_ids task;
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	__s32 old_dirfd;
	__s32 new_dirfd;
	/* renameat2's RENAME_* flags. */
	__u32 rename_flags;
	/* enum ebpipe_file_flags */
	__u32 flags;
	__u16 old_path_len;
	__u16 new_path_len;
	__u32 _pad;
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

enum ebpipe_net_flags {
	/*
	 * The socket's owner is not known: it was connected, accepted or put to
	 * listen before the sensor started. The task ids are zero.
	 */
	EBPIPE_NET_OWNER_UNKNOWN = 1 << 0,
};

/*
 * An IPv4 or IPv6 socket's addresses at one moment of its life; the op says
 * which: connect (TCP or UDP, at the syscall's exit: -EINPROGRESS is the usual
 * result of a non-blocking TCP connect), accept (the new connection), close
 * (a TCP socket reached TCP_CLOSE, often in softirq context: the task is the
 * owner remembered at connect/accept/listen), bind, listen, and udp_send (the
 * first datagram a socket sends to each destination named in sendto/sendmsg).
 */
struct sock_event {
	struct event_header hdr;
	struct task_ids task;
	/* The syscall's result (fd, bytes or 0) or -errno; 0 for close. */
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	/* AF_INET or AF_INET6. */
	__u16 family;
	/* IPPROTO_TCP or IPPROTO_UDP. */
	__u16 protocol;
	/* Ports in host byte order. */
	__u16 local_port;
	__u16 remote_port;
	/* Addresses in network byte order; IPv4 uses the first 4 bytes. */
	__u8 local_addr[16];
	__u8 remote_addr[16];
	/* listen: the backlog asked for. */
	__u32 backlog;
	/* close: the TCP state the socket left (TCP_ESTABLISHED = 1, ... as in the kernel). */
	__u32 old_state;
	/* enum ebpipe_net_flags */
	__u32 flags;
	__u32 _pad;
	/* close: bytes the peer acknowledged and bytes received over the connection's life. */
	__u64 bytes_acked;
	__u64 bytes_received;
	char comm[EBPIPE_COMM_LEN];
};

/* A task's identities and capabilities, as struct cred holds them. */
struct cred_ids {
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 fsuid;
	__u32 gid;
	__u32 egid;
	__u32 sgid;
	__u32 fsgid;
	__u64 cap_effective;
	__u64 cap_permitted;
	__u64 cap_inheritable;
	__u64 cap_ambient;
	/* Supplementary groups. */
	__u32 ngroups;
	__u32 _pad;
};

enum ebpipe_cred_flags {
	/* A uid (real, effective, saved or filesystem) became 0 from non-0. */
	EBPIPE_CRED_UID_TO_ROOT = 1 << 0,
	/* The same for a gid. */
	EBPIPE_CRED_GID_TO_ROOT = 1 << 1,
	/* A capability not held before became effective or permitted. */
	EBPIPE_CRED_CAPS_GAINED = 1 << 2,
	/* Group 0 joined the supplementary groups. */
	EBPIPE_CRED_ROOT_GROUP_GAINED = 1 << 3,
};

/*
 * setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid,
 * setfsgid, setgroups, capset: the thread's credentials before and after.
 * A privilege-raising change has a bit of EBPIPE_CRED_*_TO_ROOT,
 * _CAPS_GAINED or _ROOT_GROUP_GAINED set in flags.
 */
struct cred_change_event {
	struct event_header hdr;
	struct task_ids task;
	/* 0 or -errno (setfsuid/setfsgid: the previous id, they cannot fail). */
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	/*
	 * The ids passed, in the call's order (0xffffffff: leave unchanged);
	 * setgroups: the group count; capset: 0 (the new sets are in new_creds).
	 */
	__u32 arg0;
	__u32 arg1;
	__u32 arg2;
	/* enum ebpipe_cred_flags */
	__u32 flags;
	struct cred_ids old_creds;
	struct cred_ids new_creds;
	/* The first EBPIPE_GROUPS_MAX supplementary groups after the call. */
	__u32 groups[EBPIPE_GROUPS_MAX];
	char comm[EBPIPE_COMM_LEN];
};

enum ebpipe_module_flags {
	/* The kernel named the module while loading it (module/module_load). */
	EBPIPE_MODULE_NAME_FROM_KERNEL = 1 << 0,
	EBPIPE_MODULE_PATH_TRUNCATED = 1 << 1,
	EBPIPE_MODULE_ARGS_TRUNCATED = 1 << 2,
};

/*
 * init_module / finit_module (EBPIPE_OP_MODULE_LOAD) and delete_module
 * (_UNLOAD), at the syscall's exit: every attempt, failed ones included.
 * data: path_len bytes of the module file's path (finit_module), then
 * args_len bytes of the parameter string.
 */
struct module_event {
	struct event_header hdr;
	struct task_ids task;
	/* 0 or -errno. */
	__s32 result;
	/* enum ebpipe_syscall */
	__u32 syscall;
	/* finit_module's fd; -1 for the others. */
	__s32 fd;
	/* finit_module's MODULE_INIT_* flags, delete_module's O_NONBLOCK/O_TRUNC. */
	__u32 syscall_flags;
	/* enum ebpipe_module_flags */
	__u32 flags;
	__u16 path_len;
	__u16 args_len;
	/* The module's name, when known: always for unload, for a load once the kernel has read it. */
	char name[EBPIPE_MODULE_NAME_LEN];
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

enum ebpipe_policy_event_flags {
	/* The path was longer than the bound: it keeps its last components. */
	EBPIPE_POLICY_PATH_TRUNCATED = 1 << 0,
};

/*
 * A selector of a policy matched, and what was done about it (actions,
 * enum ebpipe_policy_action in bpf/include/policy.h). Enforcement happened
 * before this record was written: a Sigkill record means the signal was sent
 * (signal_result 0) before the operation returned to the process.
 * data: path_len bytes of the file's resolved path (file hooks).
 */
struct policy_event {
	struct event_header hdr;
	struct task_ids task;
	struct credentials creds;
	/* The policy's id in this agent's run, and the entry of it that matched. */
	__u32 policy_id;
	__u16 rule_index;
	__u8 selector;
	/* enum ebpipe_policy_hook */
	__u8 hook;
	/* enum ebpipe_policy_mechanism */
	__u32 mechanism;
	/* enum ebpipe_syscall; NONE when the hook is not a system call's */
	__u32 syscall;
	/* enum ebpipe_policy_action: what was done */
	__u32 actions;
	/* Sigkill, Signal: the signal sent, and bpf_send_signal's result (0 or -errno). */
	__s32 signal;
	__s32 signal_result;
	/* Override: the error the operation returned instead. */
	__s32 error;
	/* The system call's result (the fd, or -errno) at syscall exit; 0 at lsm hooks. */
	__s32 result;
	/* The file's O_* flags (open family). */
	__u32 open_flags;
	/* The file's device (as stat(2)'s st_dev) and inode. */
	__u64 dev;
	__u64 ino;
	/* Rate-limited Post: events this selector held back for this key since the previous record. */
	__u64 suppressed;
	/* Connections: AF_INET or AF_INET6, ports in host byte order, addresses in network byte order. */
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 path_len;
	__u8 saddr[16];
	__u8 daddr[16];
	/* enum ebpipe_policy_event_flags */
	__u32 flags;
	__u32 _pad;
	/* The policy's metadata.name. */
	char policy[64];
	char comm[EBPIPE_COMM_LEN];
	char data[];
};

/* One record per traced syscall of the benchmark's load generator. */
struct bench_event {
	struct event_header hdr;
	struct task_ids task;
	__u64 value;
};

#endif /* EBPIPE_EVENTS_H */
