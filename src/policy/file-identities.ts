// The device and inode of every path an Equal or In filter names, so that the kernel matches the
// file itself whatever name reaches it (hard links, bind mounts). Files get replaced (an editor
// writes a new file and renames it over the old one): each check stats the paths again and
// reports when an identity changed, so the policies are installed again with it.
//
// Protected files keep every identity they had while their policy is loaded: a hard link made
// to the old file before it was replaced still holds the old content. Binaries keep only their
// current identity: an allowlist (NotIn) must not let through a new file that happens to reuse
// a freed inode number.
import { statSync } from 'node:fs';
import type { FileIdentity } from './policy-generation.js';

function statIdentity(path: string): FileIdentity | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return { dev: st.dev, ino: st.ino };
  } catch {
    // A path that does not exist (yet) is matched by name only.
    return undefined;
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
    const files = new Set(filePaths);
    for (const path of this.files.keys()) if (!files.has(path)) this.files.delete(path);
    for (const path of files) {
      const known = this.files.get(path) ?? [];
      const now = statIdentity(path);
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
      const now = statIdentity(path);
      const current = now ? [now] : [];
      if (current.length !== known.length || (now && !sameIdentity(known[0]!, now))) {
        this.binaries.set(path, current);
        changed.push(path);
      }
    }
    return changed;
  }
}
