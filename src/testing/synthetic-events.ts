// Process lifecycle events made up for tests and benchmarks that need no kernel: exec, exit
// and fork go through the real record encoder and decoder.
import { RecordDecoder } from '../events/decode.js';
import { encodeExec, encodeExit, encodeFork, frameBatch } from '../events/encode.js';
import { ExecFlags } from '../events/generated/abi.js';
import type { Event } from '../events/model.js';
import type { ExecEvent, ExitEvent, ForkEvent } from '../events/process-events.js';

export interface ProcessKey {
  pid: number;
  startNs: number;
}

const decoder = new RecordDecoder();
let seq = 0;

function decodeOne<E extends Event>(record: Buffer, kind: E['kind']): E {
  const out: Event[] = [];
  decoder.decodeBatch(frameBatch([record]), out);
  const event = out[0];
  if (out.length !== 1 || event?.kind !== kind) throw new Error(`synthetic ${kind} record did not decode`);
  return event as E;
}

export interface SyntheticExec {
  ktime: number;
  process: ProcessKey;
  parent: ProcessKey;
  binary: string;
  argv: readonly string[];
  cwd?: string;
  uid?: number;
  cgroupId?: number;
  argvTruncated?: boolean;
}

export function execEvent(v: SyntheticExec): ExecEvent {
  const uid = v.uid ?? 0;
  return decodeOne<ExecEvent>(
    encodeExec({
      ktime: v.ktime,
      cpu: 0,
      seq: seq++,
      task: { tgid: v.process.pid, pid: v.process.pid, startNs: v.process.startNs },
      parent: { tgid: v.parent.pid, pid: v.parent.pid, startNs: v.parent.startNs },
      creds: { uid, gid: uid, euid: uid, egid: uid, capEffective: 0n, capPermitted: 0n },
      ns: { mnt: 1, pid: 2, net: 3, uts: 4, ipc: 5, user: 6, cgroup: 7 },
      cgroupId: v.cgroupId ?? 1,
      flags: v.argvTruncated === true ? ExecFlags.ARGV_TRUNCATED : 0,
      comm: v.binary.slice(v.binary.lastIndexOf('/') + 1),
      filename: v.binary,
      argv: v.argv,
      cwd: v.cwd ?? '/',
    }),
    'process.exec',
  );
}

export function exitEvent(ktime: number, process: ProcessKey, status = 0): ExitEvent {
  return decodeOne<ExitEvent>(
    encodeExit({
      ktime,
      cpu: 0,
      seq: seq++,
      task: { tgid: process.pid, pid: process.pid, startNs: process.startNs },
      status,
      comm: '',
    }),
    'process.exit',
  );
}

export function forkEvent(ktime: number, child: ProcessKey, parent: ProcessKey): ForkEvent {
  return decodeOne<ForkEvent>(
    encodeFork({
      ktime,
      cpu: 0,
      seq: seq++,
      task: { tgid: child.pid, pid: child.pid, startNs: child.startNs },
      parent: { tgid: parent.pid, pid: parent.pid, startNs: parent.startNs },
      comm: '',
    }),
    'process.fork',
  );
}
