// Container identity from real cgroups (root): the test makes cgroup v2 directories named as
// container runtimes name theirs, moves processes it spawns into them, and checks that their
// kernel events (cgroup id -> path) and their /proc entries (read at seed) carry the container.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, realpathSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { cgroup2MountPoint } from '../src/containers/cgroup-directory.js';
import { ProcessEnricher } from '../src/processors/enrich/process-enricher.js';
import { parseProcStat } from '../src/processes/proc-files.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { EnrichingKernel } from './helpers/enriching-kernel.js';
import { isExecOf, isExit } from './helpers/kernel.js';

const mount = cgroup2MountPoint(readFileSync('/proc/self/mountinfo', 'utf8'));
const missing = rootMissing() ?? (mount === undefined ? 'needs a cgroup2 mount' : null);

const TOP = `ebpipe-test-${process.pid}`;
const DOCKER_ID = randomBytes(32).toString('hex');
const CRI_ID = randomBytes(32).toString('hex');
const POD_UID = randomUUID();
const DOCKER_PATH = `/${TOP}/docker-${DOCKER_ID}.scope`;
const POD_PATH = `/${TOP}/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID.replaceAll('-', '_')}.slice`;
const CRI_PATH = `${POD_PATH}/cri-containerd-${CRI_ID}.scope`;

function moveInto(path: string, pid: number): void {
  writeFileSync(join(mount!, path, 'cgroup.procs'), String(pid));
}

/** A shell that waits for a line on stdin, then runs `command`. */
function waitingShell(command: string): ChildProcess {
  return spawn('/bin/sh', ['-c', `read line; ${command}`], { stdio: ['pipe', 'ignore', 'ignore'] });
}

describe('container identity from cgroups', { concurrency: false }, () => {
  let kernel: EnrichingKernel | undefined;
  const made: string[] = [];
  const spawned: ChildProcess[] = [];

  before(() => {
    if (missing !== null) return;
    for (const path of [DOCKER_PATH, CRI_PATH]) {
      mkdirSync(join(mount!, path), { recursive: true });
    }
    made.push(
      CRI_PATH,
      `${POD_PATH}`,
      `/${TOP}/kubepods.slice/kubepods-besteffort.slice`,
      `/${TOP}/kubepods.slice`,
      DOCKER_PATH,
      `/${TOP}`,
    );
    kernel = new EnrichingKernel();
  });
  after(async () => {
    const running = spawned.filter((c) => c.exitCode === null && c.signalCode === null);
    for (const child of running) child.kill('SIGKILL');
    await Promise.all(running.map((c) => once(c, 'exit')));
    await kernel?.close();
    for (const path of made) {
      // A cgroup can be removed once its last process is reaped, which may take a moment.
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(join(mount!, path));
          break;
        } catch {
          await delay(20);
        }
      }
    }
  });

  test('a process moved into docker-<id>.scope that then execs carries the container id', async (t) => {
    if (!requirement(t, missing) || !kernel) return;
    const shell = waitingShell('exec /bin/cat /proc/self/cgroup');
    spawned.push(shell);
    moveInto(DOCKER_PATH, shell.pid!);
    shell.stdin!.end('go\n');
    const exec = await kernel.waitFor(isExecOf(['/bin/cat', '/proc/self/cgroup']));
    assert.equal(
      exec.cgroupId,
      statSync(join(mount!, DOCKER_PATH)).ino,
      'the kernel reports the cgroup directory inode',
    );
    const p = exec.process;
    assert.equal(p.containerId, DOCKER_ID);
    assert.equal(p.containerRuntime, 'docker');
    assert.equal(p.cgroupPath, DOCKER_PATH);
    assert.equal('pod' in p, false);
    assert.equal(p.ancestors?.[0]?.pid, shell.pid, 'exec in place: the shell image is the parent');
    const exit = await kernel.waitFor(isExit(p.pid));
    assert.equal(exit.process.containerId, DOCKER_ID);
  });

  test('a cgroup id whose process is gone before its event is read is found by walking the mount', async (t) => {
    if (!requirement(t, missing)) return;
    const late = new EnrichingKernel();
    try {
      const shell = waitingShell('exec /bin/true late-reader');
      spawned.push(shell);
      moveInto(CRI_PATH, shell.pid!);
      shell.stdin!.end('go\n');
      await once(shell, 'exit'); // reaped: /proc/PID is gone
      // Wait on the raw events, so that enrichment happens only after the process is gone.
      await late.kernel.waitFor((e) => e.kind === 'process.exit' && e.process.pid === shell.pid);
      const rescansBefore = late.enricher.stats().cgroups.rescans;
      const exec = await late.waitFor(isExecOf(['/bin/true', 'late-reader']));
      const p = exec.process;
      assert.equal(p.containerId, CRI_ID);
      assert.equal(p.containerRuntime, 'containerd');
      assert.deepEqual(p.pod, { uid: POD_UID });
      assert.equal(late.enricher.stats().cgroups.rescans, rescansBefore + 1);
    } finally {
      await late.close();
    }
  });

  test('a process in a kubepods container cgroup before start-up is found there by the /proc seed', async (t) => {
    if (!requirement(t, missing)) return;
    const sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    spawned.push(sleeper);
    await once(sleeper, 'spawn');
    moveInto(CRI_PATH, sleeper.pid!);
    const enricher = new ProcessEnricher();
    enricher.seedFromProc();
    const ticks = parseProcStat(readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8'))!.startTicks;
    const entry = enricher.lookup(sleeper.pid!, ticks * 1e7);
    assert.equal(entry?.binary, realpathSync('/bin/sleep'));
    assert.equal(entry?.cgroup?.path, CRI_PATH);
    assert.equal(entry?.cgroup?.containerId, CRI_ID);
    assert.equal(entry?.cgroup?.runtime, 'containerd');
    assert.equal(entry?.cgroup?.podUid, POD_UID);
  });
});
