// Where the project's build outputs are, wherever ebpipe is started from.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** Compiled BPF objects; EBPIPE_BPF_DIR points elsewhere (e.g. an installed copy). */
export const bpfObjectDir = process.env['EBPIPE_BPF_DIR'] ?? join(projectRoot, 'bpf', 'build');

export const nativeAddonPath = join(projectRoot, 'native', 'build', 'Release', 'ebpipe_native.node');

export function bpfObjectPath(name: string): string {
  return join(bpfObjectDir, `${name}.bpf.o`);
}
