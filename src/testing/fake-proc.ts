// A /proc look-alike in a directory, for tests of the code that reads /proc: stat, status,
// cmdline and cgroup files and exe/cwd links per process, laid out as the kernel lays them out.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  ppid: number;
  comm: string;
  startTicks: number;
  binary?: string;
  argv?: readonly string[];
  cwd?: string;
  uid?: number;
  cgroup?: string;
}

/** A stat line: fields 5 to 21 are zeros, field 22 is the start time. */
function statLine(p: FakeProcess): string {
  return `${p.pid} (${p.comm}) S ${p.ppid} ${Array(17).fill('0').join(' ')} ${p.startTicks} 0 0 0\n`;
}

export class FakeProc {
  readonly root = mkdtempSync(join(tmpdir(), 'ebpipe-proc-'));

  add(p: FakeProcess): this {
    const dir = join(this.root, String(p.pid));
    mkdirSync(dir);
    writeFileSync(join(dir, 'stat'), statLine(p));
    const uid = p.uid ?? 0;
    writeFileSync(join(dir, 'status'), `Name:\t${p.comm}\nPPid:\t${p.ppid}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
    writeFileSync(join(dir, 'cmdline'), p.argv ? p.argv.map((a) => `${a}\0`).join('') : '');
    writeFileSync(join(dir, 'cgroup'), `0::${p.cgroup ?? '/'}\n`);
    if (p.binary !== undefined) symlinkSync(p.binary, join(dir, 'exe'));
    if (p.cwd !== undefined) symlinkSync(p.cwd, join(dir, 'cwd'));
    return this;
  }

  /** Replaces one file of a process, e.g. a cgroup file with v1 lines. */
  writeFile(pid: number, name: string, text: string): void {
    writeFileSync(join(this.root, String(pid), name), text);
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
