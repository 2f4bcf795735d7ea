// Events of the file sensor (bpf/file.bpf.c): the open family, unlink, chmod, chown, rename.
import type { PathRef, ProcessRef, RecordOrigin, SyscallOutcome } from './references.js';

/** Device (as stat(2)'s st_dev) and inode: the file itself, whatever name it was reached by. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** open, openat, openat2, creat. */
export interface FileOpenEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.open';
  origin: RecordOrigin;
  process: ProcessRef;
  /** O_* flags as passed (creat's O_CREAT|O_WRONLY|O_TRUNC included). */
  openFlags: number;
  /** Creation mode as the kernel takes it: 0 unless O_CREAT or O_TMPFILE (openat2: as passed). */
  mode: number;
  /** openat2's RESOLVE_* flags. */
  resolve: number;
  /** openat/openat2's directory fd; -100 (AT_FDCWD) for the cwd. */
  dirfd: number;
  /** The file was taken at lsm/file_open (the sensor's LSM variant), not from the fd table. */
  fromLsm: boolean;
}

/** unlink, unlinkat (rmdir through AT_REMOVEDIR). */
export interface FileUnlinkEvent extends SyscallOutcome, PathRef {
  kind: 'file.unlink';
  origin: RecordOrigin;
  process: ProcessRef;
  dirfd: number;
  /** AT_* flags as passed (AT_REMOVEDIR = 0x200). */
  atFlags: number;
}

/** chmod, fchmod, fchmodat, fchmodat2. dev and ino are 0 unless the file was named by an fd. */
export interface FileChmodEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.chmod';
  origin: RecordOrigin;
  process: ProcessRef;
  /** The directory fd, or the file's own fd for fchmod. */
  dirfd: number;
  atFlags: number;
  mode: number;
}

/** chown, fchown, lchown, fchownat. dev and ino are 0 unless the file was named by an fd. */
export interface FileChownEvent extends SyscallOutcome, PathRef, FileIdentity {
  kind: 'file.chown';
  origin: RecordOrigin;
  process: ProcessRef;
  dirfd: number;
  atFlags: number;
  /** The owner asked for; -1 leaves it unchanged. */
  uid: number;
  /** The group asked for; -1 leaves it unchanged. */
  gid: number;
}

/** rename, renameat, renameat2: both names as typed, joined to their directories. */
export interface FileRenameEvent extends SyscallOutcome {
  kind: 'file.rename';
  origin: RecordOrigin;
  process: ProcessRef;
  oldPath: string;
  oldPathUnresolved: boolean;
  oldPathTruncated: boolean;
  newPath: string;
  newPathUnresolved: boolean;
  newPathTruncated: boolean;
  oldDirfd: number;
  newDirfd: number;
  /** renameat2's RENAME_* flags. */
  renameFlags: number;
}

export type FileEvent = FileOpenEvent | FileUnlinkEvent | FileChmodEvent | FileChownEvent | FileRenameEvent;
