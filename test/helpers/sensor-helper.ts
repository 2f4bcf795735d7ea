// Builds test/helpers/sensor-helper.c and runs it, for tests that need one exact system
// call from a process of their own.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';

export interface HelperRun {
  pid: number;
  code: number | null;
  stdout: string;
}

export class SensorHelper {
  /** A directory every user can enter, so the helper also runs as nobody. */
  readonly dir = mkdtempSync(join(tmpdir(), 'ebpipe-sensor-helper-'));
  readonly path = join(this.dir, 'sensor-helper');

  constructor() {
    chmodSync(this.dir, 0o755);
    execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', this.path, join(projectRoot, 'test/helpers/sensor-helper.c')]);
  }

  /** Runs `command` (the helper by default) and resolves when it exits. */
  run(args: readonly string[], opts: { command?: readonly string[]; cwd?: string } = {}): Promise<HelperRun> {
    const [file = this.path, ...prefix] = opts.command ?? [this.path];
    return new Promise((resolve, reject) => {
      const child = spawn(file, [...prefix, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd: opts.cwd ?? this.dir,
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ pid: child.pid ?? -1, code, stdout }));
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
