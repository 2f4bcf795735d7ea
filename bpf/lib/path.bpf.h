/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Absolute paths from struct path, in programs where bpf_d_path() is not
 * allowed (tracepoints). Walks dentries up to the task's root, crossing mount
 * points the way d_path() does, without its locks: a rename racing the walk
 * can yield a stale name, never a fault.
 */
#ifndef EBPIPE_PATH_BPF_H
#define EBPIPE_PATH_BPF_H

#include "maps.bpf.h"

/* Deeper paths keep their last components and are flagged truncated. */
#define PATH_MAX_COMPONENTS 64
#define NAME_MAX_LEN 255

struct resolved_path {
	/* The path is buf[start, EBPIPE_PATH_MAX_LEN) of the buffer resolve_path() wrote. */
	__u32 start;
	__u32 truncated;
};

static __always_inline struct mount *real_mount_of(struct vfsmount *mnt)
{
	return container_of(mnt, struct mount, mnt);
}

struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	/* At least EBPIPE_SCRATCH_PATH_SIZE bytes of map memory the path is written into. */
	char *buf;
	/* Where the next component ends in buf. */
	__u32 pos;
	bool reached_root;
};

/*
 * One component per call, run through bpf_loop() so the verifier checks the
 * body once instead of once per unrolled iteration with every pos range.
 */
static long walk_one_component(__u32 index, struct path_walk *w)
{
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;

	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->reached_root = true;
		return 1;
	}

	struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);

	if (dentry == mnt_root || dentry == parent) {
		struct mount *mnt = real_mount_of(vfsmnt);
		struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

		/* Top of the mount tree, or a pseudo/detached filesystem: nothing above. */
		if (mnt == mnt_parent || dentry != mnt_root) {
			w->reached_root = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->vfsmnt = &mnt_parent->mnt;
		return 0;
	}

	struct qstr name = BPF_CORE_READ(dentry, d_name);
	__u32 len = name.len;
	__u32 pos = w->pos;

	if (len > NAME_MAX_LEN)
		len = NAME_MAX_LEN;
	/* Keep start >= 1 so that a full-length path still fits copy_path's bound. */
	if (pos > EBPIPE_PATH_MAX_LEN || len + 2 > pos)
		return 1;
	pos -= len;
	bpf_probe_read_kernel(&w->buf[pos & (EBPIPE_PATH_MAX_LEN - 1)], len & NAME_MAX_LEN, name.name);
	pos -= 1;
	w->buf[pos & (EBPIPE_PATH_MAX_LEN - 1)] = '/';
	w->pos = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Writes "/a/b/c" right-aligned into buf (scratch->path, or another buffer of
 * EBPIPE_SCRATCH_PATH_SIZE bytes of map memory) so that it ends at
 * buf[EBPIPE_PATH_MAX_LEN]. The walk stops at the task's root, so a chrooted
 * or containerised process sees paths as it would name them itself.
 */
static __always_inline struct resolved_path resolve_path(const struct path *path, struct task_struct *task,
							 char *buf)
{
	struct path_walk w = {
		.dentry = BPF_CORE_READ(path, dentry),
		.vfsmnt = BPF_CORE_READ(path, mnt),
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
		.buf = buf,
		.pos = EBPIPE_PATH_MAX_LEN,
		.reached_root = false,
	};
	struct resolved_path out;

	bpf_loop(PATH_MAX_COMPONENTS, walk_one_component, &w, 0);
	/* The root itself. */
	if (w.pos == EBPIPE_PATH_MAX_LEN) {
		w.pos -= 1;
		buf[w.pos & (EBPIPE_PATH_MAX_LEN - 1)] = '/';
	}
	out.start = w.pos;
	out.truncated = !w.reached_root;
	return out;
}

/*
 * Copies a resolved path into a record's tail at `offset`; returns its length.
 * Offsets and lengths are masked so the verifier can prove both stay inside
 * the scratch record.
 */
static __always_inline __u32 copy_path(char *tail, __u32 offset, const char *buf, struct resolved_path p)
{
	__u32 len = EBPIPE_PATH_MAX_LEN - p.start;

	if (len > EBPIPE_PATH_MAX_LEN - 1)
		len = EBPIPE_PATH_MAX_LEN - 1;
	bpf_probe_read_kernel(&tail[offset & (2 * EBPIPE_PATH_MAX_LEN - 1)], len & (EBPIPE_PATH_MAX_LEN - 1),
			      &buf[p.start & (EBPIPE_PATH_MAX_LEN - 1)]);
	return len;
}

#endif /* EBPIPE_PATH_BPF_H */
