// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File activity: the open family (open, openat, openat2, creat), unlink,
 * rename, chmod and chown. Syscall tracepoints: the enter program saves the
 * arguments per thread, the exit program emits one record with the result.
 *
 * An open that succeeded is reported with the file it opened, named from the
 * kernel's own objects (the fd's struct file, or the one lsm/file_open saw),
 * so a relative, dirfd-relative or symlinked name comes out as the absolute
 * path of the file, with its device and inode. Everything else is reported
 * as typed, joined to the directory it is relative to, and flagged.
 *
 * One object, two variants (src/kernel/sensors.ts): with lsm/file_open where
 * the kernel allows BPF LSM programs, without it elsewhere. The records are
 * the same; EBPIPE_FILE_FROM_LSM says which hook named the file.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "events.h"
#include "lib/maps.bpf.h"
#include "lib/emit.bpf.h"
#include "lib/task.bpf.h"
#include "lib/path.bpf.h"
#include "lib/fd.bpf.h"
#include "lib/typed_path.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_TMPFILE_BIT 020000000
#define S_IALLUGO 07777
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000

/* A traced call between its enter and its exit, per thread. */
struct pending_file_op {
	/* enum ebpipe_syscall */
	__u32 syscall;
	/* dirfd (the old one for rename), or the fd of fchmod/fchown. */
	__s32 dirfd;
	/* rename's new dirfd. */
	__s32 new_dirfd;
	/* O_*, AT_* or RENAME_* flags as passed. */
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 _pad;
	__u64 resolve;
	/* User addresses of the names, read at exit: only a failed or path-only call needs them. */
	__u64 name;
	__u64 new_name;
	/* The struct file lsm/file_open saw during this open (LSM variant only). */
	__u64 file;
};

/*
 * LRU: a thread killed inside a call never reaches the exit program, and its
 * entry must not stay forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pending_file_op);
} pending_file_ops SEC(".maps");

/* The mode open(2) and openat(2) use: only when creating, as the kernel's build_open_how() does. */
static __always_inline __u32 creation_mode(__u32 flags, __u32 mode)
{
	return (flags & (O_CREAT | O_TMPFILE_BIT)) ? mode & S_IALLUGO : 0;
}

static __always_inline int save_pending(struct pending_file_op *op)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (from_agent(id))
		return 0;
	bpf_map_update_elem(&pending_file_ops, &id, op, BPF_ANY);
	return 0;
}

/* The record's size: the fixed part and the tail it filled, bounded for the verifier. */
static __always_inline __u32 record_size(__u32 fixed, __u32 tail)
{
	__u32 size = fixed + tail;

	return size > EBPIPE_SCRATCH_EVENT_SIZE ? EBPIPE_SCRATCH_EVENT_SIZE : size;
}

/* Names an opened or fd-named file from the kernel's objects. Returns the path length. */
static __always_inline __u32 copy_file_path(struct scratch *s, char *tail, struct file *file, struct task_struct *task,
					    __u64 *dev, __u64 *ino, __u32 *flags)
{
	struct resolved_path p = resolve_path(&file->f_path, task, s->path);

	file_identity(file, dev, ino);
	if (p.truncated)
		*flags |= EBPIPE_FILE_PATH_TRUNCATED;
	return copy_path(tail, 0, s->path, p);
}

static __always_inline __u32 copy_typed(struct scratch *s, char *tail, __u32 offset, struct task_struct *task,
					int dirfd, __u64 name, __u32 *flags, __u32 unresolved, __u32 truncated_flag)
{
	bool truncated;
	__u32 len = copy_typed_path(s, tail, offset, task, dirfd, (const char *)name, &truncated);

	*flags |= unresolved | (truncated ? truncated_flag : 0);
	return len;
}

/* The file's resolved path when there is a struct file, else the name as typed, joined to its dirfd. */
static __always_inline __u32 name_file(struct scratch *s, char *tail, struct file *file, struct task_struct *task,
				       struct pending_file_op *op, __u64 *dev, __u64 *ino, __u32 *flags)
{
	if (file)
		return copy_file_path(s, tail, file, task, dev, ino, flags);
	return copy_typed(s, tail, 0, task, op->dirfd, op->name, flags, EBPIPE_FILE_PATH_UNRESOLVED,
			  EBPIPE_FILE_PATH_TRUNCATED);
}

static __always_inline void emit_open(struct pending_file_op *op, long ret)
{
	struct scratch *s = scratch_acquire(EBPIPE_OP_FILE_OPEN);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_open_event *ev;
	struct file *file = NULL;

	if (!s)
		return;
	ev = (struct file_open_event *)s->event;
	read_task_ids(task, &ev->task);
	ev->result = ret;
	ev->syscall = op->syscall;
	ev->open_flags = op->flags;
	ev->mode = op->mode;
	ev->resolve = op->resolve;
	ev->dev = 0;
	ev->ino = 0;
	ev->dirfd = op->dirfd;
	ev->flags = 0;
	ev->_pad[0] = ev->_pad[1] = ev->_pad[2] = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (ret >= 0) {
		file = (struct file *)op->file;
		if (file)
			ev->flags |= EBPIPE_FILE_FROM_LSM;
		else
			file = file_of_fd(task, ret);
	}
	ev->path_len = name_file(s, ev->data, file, task, op, &ev->dev, &ev->ino, &ev->flags);
	output_event(&ev->hdr, EBPIPE_OP_FILE_OPEN, record_size(sizeof(*ev), ev->path_len));
	scratch_release(s);
}

/* fchmod, fchown, and the *at calls given AT_EMPTY_PATH and "": the file is an open fd. */
static __always_inline bool named_by_fd(struct pending_file_op *op)
{
	char first = 1;

	if (op->syscall == EBPIPE_SYS_FCHMOD || op->syscall == EBPIPE_SYS_FCHOWN)
		return true;
	if (!(op->flags & AT_EMPTY_PATH))
		return false;
	bpf_probe_read_user(&first, 1, (const char *)op->name);
	return first == 0;
}

static __always_inline void emit_path(__u16 record_op, struct pending_file_op *op, long ret)
{
	struct scratch *s = scratch_acquire(record_op);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_path_event *ev;
	struct file *file = NULL;

	if (!s)
		return;
	ev = (struct file_path_event *)s->event;
	read_task_ids(task, &ev->task);
	ev->result = ret;
	ev->syscall = op->syscall;
	ev->dirfd = op->dirfd;
	ev->at_flags = op->flags;
	ev->mode = op->mode;
	ev->uid = op->uid;
	ev->gid = op->gid;
	ev->flags = 0;
	ev->dev = 0;
	ev->ino = 0;
	ev->_pad[0] = ev->_pad[1] = ev->_pad[2] = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (named_by_fd(op))
		file = file_of_fd(task, op->dirfd);
	ev->path_len = name_file(s, ev->data, file, task, op, &ev->dev, &ev->ino, &ev->flags);
	output_event(&ev->hdr, record_op, record_size(sizeof(*ev), ev->path_len));
	scratch_release(s);
}

static __always_inline void emit_rename(struct pending_file_op *op, long ret)
{
	struct scratch *s = scratch_acquire(EBPIPE_OP_FILE_RENAME);
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file_rename_event *ev;
	__u32 old_len, new_len;

	if (!s)
		return;
	ev = (struct file_rename_event *)s->event;
	read_task_ids(task, &ev->task);
	ev->result = ret;
	ev->syscall = op->syscall;
	ev->old_dirfd = op->dirfd;
	ev->new_dirfd = op->new_dirfd;
	ev->rename_flags = op->flags;
	ev->flags = 0;
	ev->_pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	old_len = copy_typed(s, ev->data, 0, task, op->dirfd, op->name, &ev->flags, EBPIPE_FILE_PATH_UNRESOLVED,
			     EBPIPE_FILE_PATH_TRUNCATED);
	new_len = copy_typed(s, ev->data, old_len, task, op->new_dirfd, op->new_name, &ev->flags,
			     EBPIPE_FILE_NEW_PATH_UNRESOLVED, EBPIPE_FILE_NEW_PATH_TRUNCATED);
	ev->old_path_len = old_len;
	ev->new_path_len = new_len;
	output_event(&ev->hdr, EBPIPE_OP_FILE_RENAME, record_size(sizeof(*ev), old_len + new_len));
	scratch_release(s);
}

/* The saved call of this thread, if it is `syscall`; taken out of the map. */
static __always_inline bool take_pending(__u32 syscall, struct pending_file_op *out)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_file_op *op = bpf_map_lookup_elem(&pending_file_ops, &id);
	bool found = op && op->syscall == syscall;

	if (found)
		__builtin_memcpy(out, op, sizeof(*out));
	if (op)
		bpf_map_delete_elem(&pending_file_ops, &id);
	return found;
}

#define ARG(n) (ctx->args[n])

/* One exit program per syscall; `emit` is the statement that reports it from `op` and `ctx->ret`. */
#define FILE_EXIT(name, sys, emit)                                        \
	SEC("tp/syscalls/sys_exit_" #name)                                \
	int file_exit_##name(struct trace_event_raw_sys_exit *ctx)        \
	{                                                                 \
		struct pending_file_op op;                                \
		if (take_pending(sys, &op))                               \
			emit;                                             \
		return 0;                                                 \
	}

SEC("tp/syscalls/sys_enter_open")
int file_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_OPEN, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .flags = ARG(1), .mode = creation_mode(ARG(1), ARG(2)) };
	return save_pending(&op);
}
FILE_EXIT(open, EBPIPE_SYS_OPEN, emit_open(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_openat")
int file_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_OPENAT, .dirfd = ARG(0), .name = ARG(1),
				      .flags = ARG(2), .mode = creation_mode(ARG(2), ARG(3)) };
	return save_pending(&op);
}
FILE_EXIT(openat, EBPIPE_SYS_OPENAT, emit_open(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_openat2")
int file_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_OPENAT2, .dirfd = ARG(0), .name = ARG(1) };
	struct open_how how = {};

	/* An unreadable or short struct is the call's EFAULT/EINVAL; the record still says so. */
	if (ARG(3) >= sizeof(how))
		bpf_probe_read_user(&how, sizeof(how), (void *)ARG(2));
	op.flags = how.flags;
	op.mode = how.mode;
	op.resolve = how.resolve;
	return save_pending(&op);
}
FILE_EXIT(openat2, EBPIPE_SYS_OPENAT2, emit_open(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_creat")
int file_enter_creat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_CREAT, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .flags = O_CREAT | O_WRONLY | O_TRUNC, .mode = ARG(1) & S_IALLUGO };
	return save_pending(&op);
}
FILE_EXIT(creat, EBPIPE_SYS_CREAT, emit_open(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_unlink")
int file_enter_unlink(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_UNLINK, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0) };
	return save_pending(&op);
}
FILE_EXIT(unlink, EBPIPE_SYS_UNLINK, emit_path(EBPIPE_OP_FILE_UNLINK, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_unlinkat")
int file_enter_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_UNLINKAT, .dirfd = ARG(0), .name = ARG(1),
				      .flags = ARG(2) };
	return save_pending(&op);
}
FILE_EXIT(unlinkat, EBPIPE_SYS_UNLINKAT, emit_path(EBPIPE_OP_FILE_UNLINK, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_rename")
int file_enter_rename(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_RENAME, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .new_dirfd = EBPIPE_AT_FDCWD, .new_name = ARG(1) };
	return save_pending(&op);
}
FILE_EXIT(rename, EBPIPE_SYS_RENAME, emit_rename(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_renameat")
int file_enter_renameat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_RENAMEAT, .dirfd = ARG(0), .name = ARG(1),
				      .new_dirfd = ARG(2), .new_name = ARG(3) };
	return save_pending(&op);
}
FILE_EXIT(renameat, EBPIPE_SYS_RENAMEAT, emit_rename(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_renameat2")
int file_enter_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_RENAMEAT2, .dirfd = ARG(0), .name = ARG(1),
				      .new_dirfd = ARG(2), .new_name = ARG(3), .flags = ARG(4) };
	return save_pending(&op);
}
FILE_EXIT(renameat2, EBPIPE_SYS_RENAMEAT2, emit_rename(&op, ctx->ret))

SEC("tp/syscalls/sys_enter_chmod")
int file_enter_chmod(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_CHMOD, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .mode = ARG(1) };
	return save_pending(&op);
}
FILE_EXIT(chmod, EBPIPE_SYS_CHMOD, emit_path(EBPIPE_OP_FILE_CHMOD, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_fchmod")
int file_enter_fchmod(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_FCHMOD, .dirfd = ARG(0), .mode = ARG(1) };
	return save_pending(&op);
}
FILE_EXIT(fchmod, EBPIPE_SYS_FCHMOD, emit_path(EBPIPE_OP_FILE_CHMOD, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_fchmodat")
int file_enter_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_FCHMODAT, .dirfd = ARG(0), .name = ARG(1),
				      .mode = ARG(2) };
	return save_pending(&op);
}
FILE_EXIT(fchmodat, EBPIPE_SYS_FCHMODAT, emit_path(EBPIPE_OP_FILE_CHMOD, &op, ctx->ret))

/* Linux 6.6+; the loader leaves both programs out where the tracepoint does not exist. */
SEC("tp/syscalls/sys_enter_fchmodat2")
int file_enter_fchmodat2(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_FCHMODAT2, .dirfd = ARG(0), .name = ARG(1),
				      .mode = ARG(2), .flags = ARG(3) };
	return save_pending(&op);
}
FILE_EXIT(fchmodat2, EBPIPE_SYS_FCHMODAT2, emit_path(EBPIPE_OP_FILE_CHMOD, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_chown")
int file_enter_chown(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_CHOWN, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .uid = ARG(1), .gid = ARG(2) };
	return save_pending(&op);
}
FILE_EXIT(chown, EBPIPE_SYS_CHOWN, emit_path(EBPIPE_OP_FILE_CHOWN, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_fchown")
int file_enter_fchown(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_FCHOWN, .dirfd = ARG(0), .uid = ARG(1), .gid = ARG(2) };
	return save_pending(&op);
}
FILE_EXIT(fchown, EBPIPE_SYS_FCHOWN, emit_path(EBPIPE_OP_FILE_CHOWN, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_lchown")
int file_enter_lchown(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_LCHOWN, .dirfd = EBPIPE_AT_FDCWD, .name = ARG(0),
				      .uid = ARG(1), .gid = ARG(2), .flags = AT_SYMLINK_NOFOLLOW };
	return save_pending(&op);
}
FILE_EXIT(lchown, EBPIPE_SYS_LCHOWN, emit_path(EBPIPE_OP_FILE_CHOWN, &op, ctx->ret))

SEC("tp/syscalls/sys_enter_fchownat")
int file_enter_fchownat(struct trace_event_raw_sys_enter *ctx)
{
	struct pending_file_op op = { .syscall = EBPIPE_SYS_FCHOWNAT, .dirfd = ARG(0), .name = ARG(1),
				      .uid = ARG(2), .gid = ARG(3), .flags = ARG(4) };
	return save_pending(&op);
}
FILE_EXIT(fchownat, EBPIPE_SYS_FCHOWNAT, emit_path(EBPIPE_OP_FILE_CHOWN, &op, ctx->ret))

static __always_inline bool is_open(__u32 syscall)
{
	return syscall >= EBPIPE_SYS_OPEN && syscall <= EBPIPE_SYS_CREAT;
}

/*
 * LSM variant only. Remembers the file an open of this thread is opening,
 * which the exit program then names instead of looking the fd up. The first
 * call wins: stacked filesystems (overlayfs) open their backing file from
 * inside the outer open, and the outer file is the one the fd refers to.
 * (An NFS open retried after ESTALE opens a second file; the first is then
 * stale, a rare case this variant accepts.)
 */
SEC("lsm/file_open")
int BPF_PROG(file_lsm_open, struct file *file, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_file_op *op = bpf_map_lookup_elem(&pending_file_ops, &id);

	if (op && !op->file && is_open(op->syscall))
		op->file = (__u64)file;
	return ret;
}
