/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A path as the caller typed it, made absolute. Used where the kernel's own
 * objects cannot name the file: the open failed, the name is gone after
 * unlink or rename, or the call took a path and left no fd behind.
 */
#ifndef EBPIPE_TYPED_PATH_BPF_H
#define EBPIPE_TYPED_PATH_BPF_H

#include "maps.bpf.h"
#include "path.bpf.h"
#include "fd.bpf.h"

/* The directory a relative name is looked up from: the cwd for AT_FDCWD, else dirfd's file. */
static __always_inline const struct path *lookup_base(struct task_struct *task, int dirfd)
{
	if (dirfd == EBPIPE_AT_FDCWD) {
		struct fs_struct *fs = BPF_CORE_READ(task, fs);

		return &fs->pwd;
	}
	struct file *file = file_of_fd(task, dirfd);

	return file ? &file->f_path : NULL;
}

/*
 * Writes the name at user address `name` into tail[offset...]: an absolute
 * name as is, a relative one after its directory's resolved path and a "/".
 * An empty name (AT_EMPTY_PATH) is the directory itself. Returns the bytes
 * written, at most EBPIPE_PATH_MAX_LEN - 1; a longer name is cut at its end
 * and *truncated is set. Holds scratch: resolve_path works in s->path.
 */
static __always_inline __u32 copy_typed_path(struct scratch *s, char *tail, __u32 offset, struct task_struct *task,
					     int dirfd, const char *name, bool *truncated)
{
	char first = 0;
	__u32 len = 0, room;
	long n;

	*truncated = false;
	if (bpf_probe_read_user(&first, 1, name))
		return 0;
	if (first != '/') {
		const struct path *base = lookup_base(task, dirfd);

		if (base) {
			struct resolved_path p = resolve_path(base, task, s->path);

			*truncated = p.truncated;
			len = copy_path(tail, offset, s->path, p);
			/* "/" and "name" join as "/name". */
			if (len > 1 && first != 0) {
				tail[(offset + len) & (2 * EBPIPE_PATH_MAX_LEN - 1)] = '/';
				len++;
			}
		}
	}
	if (len >= EBPIPE_PATH_MAX_LEN - 1) {
		*truncated = true;
		return EBPIPE_PATH_MAX_LEN - 1;
	}
	room = EBPIPE_PATH_MAX_LEN - len;
	/* Kept through the compiler so the verifier sees room's bound. */
	barrier_var(room);
	if (room > EBPIPE_PATH_MAX_LEN)
		return len;
	n = bpf_probe_read_user_str(&tail[(offset + len) & (2 * EBPIPE_PATH_MAX_LEN - 1)], room, name);
	if (n <= 0)
		return len;
	/* The string filled every byte it was given: it may have been cut. */
	if ((__u32)n == room)
		*truncated = true;
	return len + (__u32)n - 1;
}

#endif /* EBPIPE_TYPED_PATH_BPF_H */
