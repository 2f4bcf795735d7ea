// Parsers for the /proc/PID files the process cache reads. Pure: they take the file's text.

export interface ProcStat {
  comm: string;
  /** One letter: R, S, D, Z (zombie), ... */
  state: string;
  ppid: number;
  /** Field 22: when the process started, in clock ticks (USER_HZ) since boot. */
  startTicks: number;
}

/**
 * /proc/PID/stat. comm sits in parentheses and may itself hold spaces and ')', so the
 * fields are counted from the last ')'. Undefined when the text is not a stat line.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After ") ": field 3 (state) is index 0, so field N is index N - 3.
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const ppid = Number(fields[1]);
  const startTicks = Number(fields[19]);
  if (!state || !Number.isInteger(ppid) || !Number.isInteger(startTicks)) return undefined;
  return { comm: text.slice(open + 1, close), state, ppid, startTicks };
}

/** The real uid from /proc/PID/status's `Uid:` line (real, effective, saved, fs). */
export function parseStatusUid(text: string): number | undefined {
  const match = /^Uid:\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** /proc/PID/cmdline: NUL-terminated arguments; empty for kernel threads and zombies. */
export function parseCmdline(text: string): string[] | undefined {
  if (text === '') return undefined;
  const args = text.split('\0');
  if (text.endsWith('\0')) args.pop();
  return args;
}
