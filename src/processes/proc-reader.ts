// What /proc says about a live process, read synchronously: the cache reads it at start-up
// and, once per unknown process, on a miss. Any file may vanish mid-read (the process
// exits) or be unreadable (a kernel thread has no exe; a zombie has no cwd): such fields
// stay undefined; only an unreadable stat means "no such process".
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseCmdline, parseProcStat, parseStatusUid } from './proc-files.js';

export interface ProcSnapshot {
  pid: number;
  ppid: number;
  comm: string;
  startTicks: number;
  binary: string | undefined;
  argv: string[] | undefined;
  cwd: string | undefined;
  uid: number | undefined;
  /** /proc/PID/cgroup as read. */
  cgroupFile: string | undefined;
}

function tryRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function tryReadlink(file: string): string | undefined {
  try {
    return readlinkSync(file);
  } catch {
    return undefined;
  }
}

export class ProcReader {
  constructor(readonly root = '/proc') {}

  /** Thread group ids: /proc lists processes, not threads, at its top level. */
  pids(): number[] {
    const pids: number[] = [];
    for (const name of readdirSync(this.root)) {
      const pid = Number(name);
      if (Number.isInteger(pid) && pid > 0) pids.push(pid);
    }
    return pids;
  }

  read(pid: number): ProcSnapshot | undefined {
    const dir = join(this.root, String(pid));
    const statText = tryRead(join(dir, 'stat'));
    const stat = statText === undefined ? undefined : parseProcStat(statText);
    if (stat === undefined) return undefined;
    const status = tryRead(join(dir, 'status'));
    const cmdline = tryRead(join(dir, 'cmdline'));
    return {
      pid,
      ppid: stat.ppid,
      comm: stat.comm,
      startTicks: stat.startTicks,
      binary: tryReadlink(join(dir, 'exe')),
      argv: cmdline === undefined ? undefined : parseCmdline(cmdline),
      cwd: tryReadlink(join(dir, 'cwd')),
      uid: status === undefined ? undefined : parseStatusUid(status),
      cgroupFile: tryRead(join(dir, 'cgroup')),
    };
  }
}
