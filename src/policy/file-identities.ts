// The device and inode of every path an Equal or In filter names, so that the kernel matches the
// file itself whatever name reaches it (hard links, bind mounts). Files get replaced (an editor
// writes a new file and renames it over the old one): each check stats the paths again and
// reports when an identity changed, so the policies are installed again with it.
//
// Protected files keep every identity they had while their policy is loaded: a hard link made
// to the old file before it was replaced still holds the old content. Binaries keep only their
// current identity: an allowlist (NotIn) must not let through a new file that happens to reuse
// a freed inode number.
//
// The identity is the kernel's own, as the BPF programs read it from the opened file
// (file_inode: its superblock's device and its inode number), not stat(2)'s: on overlayfs and
// btrfs stat reports another st_dev than the superblock's. /proc/self/fdinfo names the inode
// and the mount of an fd; /proc/self/mountinfo gives the mount's superblock device.
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { FileIdentity } from './policy-generation.js';

/** Opens without reading (and without running LSM file_open checks, policies included). */
const O_PATH = 0o10000000;

/** Superblock device per mount id, encoded as stat(2) encodes st_dev (new_encode_dev). */
function mountDevices(): Map<number, bigint> {
  const devices = new Map<number, bigint>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [id, , majorMinor] = line.split(' ');
    const [major, minor] = (majorMinor ?? '').split(':').map((n) => BigInt(n));
    if (id === undefined || major === undefined || minor === undefined) continue;
    devices.set(Number(id), (minor & 0xffn) | (major << 8n) | ((minor & ~0xffn) << 12n));
  }
  return devices;
}

function kernelIdentity(path: string, mounts: Map<number, bigint>): FileIdentity | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_PATH);
  } catch {
    // A path that does not exist (yet) is matched by name only.
    return undefined;
  }
  try {
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const mount = /^mnt_id:\s*(\d+)$/m.exec(info)?.[1];
    const ino = /^ino:\s*(\d+)$/m.exec(info)?.[1];
    const dev = mount === undefined ? undefined : mounts.get(Number(mount));
    return dev === undefined || ino === undefined ? undefined : { dev, ino: BigInt(ino) };
  } finally {
    closeSync(fd);
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

export class FileIdentities {
  private readonly files = new Map<string, FileIdentity[]>();
  private readonly binaries = new Map<string, FileIdentity[]>();

  get fileIdentities(): ReadonlyMap<string, readonly FileIdentity[]> {
    return this.files;
  }

  get binaryIdentities(): ReadonlyMap<string, readonly FileIdentity[]> {
    return this.binaries;
  }

  /**
   * Looks at exactly these paths (others are forgotten) and returns the paths whose identity
   * is new since the last look.
   */
  refresh(filePaths: Iterable<string>, binaryPaths: Iterable<string>): string[] {
    const changed: string[] = [];
    const mounts = mountDevices();
    const files = new Set(filePaths);
    for (const path of this.files.keys()) if (!files.has(path)) this.files.delete(path);
    for (const path of files) {
      const known = this.files.get(path) ?? [];
      const now = kernelIdentity(path, mounts);
      if (now && !known.some((k) => sameIdentity(k, now))) {
        this.files.set(path, [...known, now]);
        changed.push(path);
      } else if (!this.files.has(path)) {
        this.files.set(path, known);
      }
    }
    const binaries = new Set(binaryPaths);
    for (const path of this.binaries.keys()) if (!binaries.has(path)) this.binaries.delete(path);
    for (const path of binaries) {
      const known = this.binaries.get(path) ?? [];
      const now = kernelIdentity(path, mounts);
      const current = now ? [now] : [];
      if (current.length !== known.length || (now && !sameIdentity(known[0]!, now))) {
        this.binaries.set(path, current);
        changed.push(path);
      }
    }
    return changed;
  }
}
