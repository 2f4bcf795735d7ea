// A batch shaped like a busy host's traffic for bench/pipeline: a steady population of 50
// processes that mostly open files (70%) and talk TCP (20%), with some file changes and a
// few execs and forks. Numbers (pids, ports, file names) vary so no two records are equal.
import { encodeExec, encodeFileOpen, encodeFilePath, encodeSock, frameBatch } from '../../src/events/encode.js';
import { Op, Syscall } from '../../src/events/generated/abi.js';

const POPULATION = 50;
const ns = { mnt: 1, pid: 1, net: 1, uts: 1, ipc: 1, user: 1, cgroup: 1 };
const creds = { uid: 1000, gid: 1000, euid: 1000, egid: 1000, capEffective: 0n, capPermitted: 0n };
const PATHS = [
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/etc/ld.so.cache',
  '/proc/self/stat',
  '/srv/app/config/settings.yaml',
  '/home/deploy/.cache/pip/http/a1b2c3',
  '/var/log/app/request.log',
];

function task(p: number) {
  return { tgid: 5000 + p, pid: 5000 + p, startNs: 1_000_000 + p };
}

export function mixedRecord(i: number): Buffer {
  const p = i % POPULATION;
  const header = { ktime: 10_000_000_000 + i * 1000, cpu: i % 2, seq: i, task: task(p), comm: `app-${p}` };
  const slot = i % 100;
  if (slot < 2 || i < POPULATION) {
    return encodeExec({
      ...header,
      parent: { tgid: 1, pid: 1, startNs: 10 },
      creds,
      ns,
      cgroupId: 42,
      flags: 0,
      filename: `/usr/bin/app-${p}`,
      argv: [`/usr/bin/app-${p}`, '--serve', `--port=${8000 + p}`, '--config=/srv/app/config/settings.yaml'],
      cwd: '/srv/app',
    });
  }
  if (slot < 72) {
    return encodeFileOpen({
      ...header,
      syscall: Syscall.SYS_OPENAT,
      result: 3 + (i % 20),
      openFlags: 0o2000000,
      mode: 0,
      resolve: 0,
      dev: 64769,
      ino: 100_000 + (i % 5000),
      dirfd: -100,
      flags: 0,
      path: `${PATHS[i % PATHS.length]!}${i % 7 === 0 ? `.${i % 1000}` : ''}`,
    });
  }
  if (slot < 92) {
    return encodeSock(slot % 2 === 0 ? Op.NET_CONNECT : Op.NET_CLOSE, {
      ...header,
      syscall: Syscall.SYS_CONNECT,
      result: 0,
      family: 2,
      protocol: 6,
      localPort: 30_000 + (i % 30_000),
      remotePort: slot % 4 === 0 ? 443 : 5432,
      localAddr: Buffer.from([10, 0, 0, 5]),
      remoteAddr: Buffer.from([10, 0, (i >> 8) & 255, i & 255]),
      backlog: 0,
      oldState: 1,
      flags: 0,
      bytesAcked: 1200,
      bytesReceived: 5400,
    });
  }
  return encodeFilePath(Op.FILE_UNLINK, {
    ...header,
    syscall: Syscall.SYS_UNLINKAT,
    result: 0,
    dirfd: -100,
    atFlags: 0,
    mode: 0,
    uid: 0,
    gid: 0,
    dev: 0,
    ino: 0,
    flags: 0,
    path: `/tmp/app-${p}/upload-${i}.part`,
  });
}

export function mixedBatch(first: number, count: number): Buffer {
  return frameBatch(Array.from({ length: count }, (_, k) => mixedRecord(first + k)));
}
