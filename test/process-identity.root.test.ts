// Process identity from real kernel events of processes this test spawns (root): ancestry,
// processes older than the agent, exec ids that stay the same from /proc to the kernel.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, realpathSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { ExecEvent } from '../src/events/process-events.js';
import { formatExecId, hostIdentity } from '../src/processes/exec-id.js';
import { parseProcStat } from '../src/processes/proc-files.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { EnrichingKernel } from './helpers/enriching-kernel.js';
import { isExecOf, isExit } from './helpers/kernel.js';

const TICK_NS = 1e7; // USER_HZ = 100

function startTicks(pid: number): number {
  const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!stat) throw new Error(`no stat for ${pid}`);
  return stat.startTicks;
}

describe('process identity from the kernel', { concurrency: false }, () => {
  let kernel: EnrichingKernel | undefined;
  // Started before the agent, so known from /proc only.
  let sleeper: ChildProcess | undefined;
  let shell: ChildProcess | undefined;

  before(() => {
    if (rootMissing() !== null) return;
    sleeper = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    shell = spawn('/bin/sh', ['-c', 'read line; /bin/cat /etc/hostname; exit 0'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    kernel = new EnrichingKernel();
  });
  after(async () => {
    sleeper?.kill('SIGKILL');
    shell?.kill('SIGKILL');
    await kernel?.close();
  });

  test("bash -c 'sh -c \"cat /etc/hostname\"' gives cat's events sh, bash and this test as ancestors", async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const bash = spawn('/bin/bash', ['-c', 'sh -c "cat /etc/hostname"'], { stdio: 'ignore' });
    await once(bash, 'exit');
    const exec = await kernel.waitFor(isExecOf(['cat', '/etc/hostname']));
    const p = exec.process;
    assert.equal(p.binary, realpathSync('/bin/cat'));
    assert.deepEqual(
      p.ancestors?.slice(0, 3).map((a) => a.binary),
      [realpathSync('/bin/sh'), realpathSync('/bin/bash'), realpathSync(process.execPath)],
    );
    assert.equal(p.ancestors?.[1]?.pid, bash.pid, 'bash is the process the test spawned');
    assert.equal(p.ancestors?.[2]?.pid, process.pid);
    assert.equal(p.parentExecId, p.ancestors?.[0]?.execId);
    assert.equal(p.user, 'root');
    assert.ok((p.ancestors?.length ?? 0) <= 8);

    const exit = await kernel.waitFor(isExit(p.pid));
    assert.equal(exit.process.execId, p.execId, 'every event of the image has its exec id');
    assert.deepEqual(exit.process.ancestors, p.ancestors);
    assert.deepEqual(exit.process.argv, ['cat', '/etc/hostname']);
  });

  test('a process started before the agent is resolved from /proc, with the exec id /proc gave it', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !sleeper?.pid) return;
    const pid = sleeper.pid;
    const ticks = startTicks(pid);
    const seeded = kernel.enricher.lookup(pid, ticks * TICK_NS);
    assert.ok(seeded, 'seeded from /proc');
    assert.equal(seeded.source, 'proc');
    assert.equal(seeded.execId, formatExecId(hostIdentity(), ticks * TICK_NS, pid));

    sleeper.kill('SIGTERM');
    const exit = await kernel.waitFor(isExit(pid));
    // The kernel's start time (ns) falls in the tick /proc reported.
    assert.equal(Math.floor(exit.process.startNs / TICK_NS), ticks);
    const p = exit.process;
    assert.equal(p.execId, seeded.execId);
    assert.equal(p.binary, realpathSync('/bin/sleep'));
    assert.deepEqual(p.argv, ['/bin/sleep', '30']);
    assert.equal(p.ppid, process.pid);
    assert.equal(p.ancestors?.[0]?.pid, process.pid);
    assert.equal(p.ancestors?.[0]?.binary, realpathSync(process.execPath));
    assert.equal(exit.signal, 15);
  });

  test('a child of a shell started before the agent descends from the shell read from /proc', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel || !shell?.pid || !shell.stdin) return;
    const pid = shell.pid;
    const shellId = kernel.enricher.lookup(pid, startTicks(pid) * TICK_NS)?.execId;
    assert.ok(shellId);
    shell.stdin.end('go\n');
    const exec = await kernel.waitFor(isExecOf(['/bin/cat', '/etc/hostname']));
    const p = exec.process;
    assert.equal(p.ppid, pid);
    assert.equal(p.parentExecId, shellId);
    assert.deepEqual(
      p.ancestors?.slice(0, 2).map((a) => [a.pid, a.binary]),
      [
        [pid, realpathSync('/bin/sh')],
        [process.pid, realpathSync(process.execPath)],
      ],
    );
  });

  test('two runs of one command are two images', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const ids: string[] = [];
    for (const word of ['one', 'two']) {
      const child = spawn('/bin/echo', ['identity-run', word], { stdio: 'ignore' });
      await once(child, 'exit');
      const exec = await kernel.waitFor(isExecOf(['/bin/echo', 'identity-run', word]));
      ids.push(exec.process.execId ?? '');
    }
    assert.equal(ids.length, 2);
    assert.ok(ids[0] && ids[1]);
    assert.notEqual(ids[0], ids[1]);
  });

  test("every exec of this test's children has this test (read from /proc) as nearest other process", (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    kernel.catchUp();
    const children = kernel.kernel.events.filter(
      (e): e is ExecEvent => e.kind === 'process.exec' && e.parent.pid === process.pid,
    );
    assert.ok(children.length >= 3, `${children.length} execs of our children`);
    const self = kernel.enricher.lookup(process.pid, startTicks(process.pid) * TICK_NS);
    assert.equal(self?.source, 'proc');
    for (const e of children) {
      // An exec in place (bash -> sh) lists the image it replaced, same pid, first.
      const parent = e.process.ancestors?.find((a) => a.pid !== e.process.pid);
      assert.equal(parent?.execId, self?.execId, `${e.binary} (${e.process.pid})`);
    }
  });
});
