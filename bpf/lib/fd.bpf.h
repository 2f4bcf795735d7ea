/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* From a task's file descriptor to the kernel's objects: struct file, its inode, its socket. */
#ifndef EBPIPE_FD_BPF_H
#define EBPIPE_FD_BPF_H

#define EBPIPE_AT_FDCWD -100
#define EBPIPE_S_IFMT 00170000
#define EBPIPE_S_IFSOCK 0140000

/*
 * current->files->fdt->fd[fd], read without the file table's lock: another
 * thread closing the fd at the same moment can make this NULL or a newer file,
 * never a fault.
 */
static __always_inline struct file *file_of_fd(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* A kernel dev_t (major << 20 | minor) encoded as stat(2) reports st_dev (new_encode_dev). */
static __always_inline __u64 user_dev(__u32 dev)
{
	__u64 major = dev >> 20, minor = dev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffULL) << 12);
}

/* Device and inode of an open file, as stat(2) on it would report them for most filesystems. */
static __always_inline void file_identity(struct file *file, __u64 *dev, __u64 *ino)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	*dev = user_dev(BPF_CORE_READ(inode, i_sb, s_dev));
	*ino = BPF_CORE_READ(inode, i_ino);
}

/* The socket behind an fd, or NULL when the fd is not a socket. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, int fd)
{
	struct file *file = file_of_fd(task, fd);
	struct socket *socket;

	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & EBPIPE_S_IFMT) != EBPIPE_S_IFSOCK)
		return NULL;
	socket = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(socket, sk);
}

#endif /* EBPIPE_FD_BPF_H */
