// Real kernel events from processes this test spawns (root).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Event } from '../src/events/model.js';
import type { ExecEvent } from '../src/events/process-events.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { CollectingKernel, isExit } from './helpers/kernel.js';

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string } = {},
): Promise<{ pid: number; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', ...opts });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid ?? -1, code, signal }));
  });
}

const isExec =
  (pid: number) =>
  (e: Event): e is ExecEvent =>
    e.kind === 'process.exec' && e.process.pid === pid;

describe('process events from the kernel', { concurrency: false }, () => {
  let kernel: CollectingKernel | undefined;

  before(() => {
    if (rootMissing() === null) kernel = new CollectingKernel();
  });
  after(async () => {
    await kernel?.close();
  });

  test('exec and exit of a shell and its child carry binary, exact argv, ppid, uid and exit codes', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const k = kernel;
    const sh = await run('/bin/sh', ['-c', '/bin/true a b "c d" ""; exit 3']);
    const shExec = await k.waitFor(isExec(sh.pid));
    assert.equal(shExec.binary, realpathSync('/bin/sh'));
    assert.deepEqual(shExec.argv, ['/bin/sh', '-c', '/bin/true a b "c d" ""; exit 3']);
    assert.equal(shExec.parent.pid, process.pid);
    assert.equal(shExec.creds.uid, process.getuid?.());
    assert.equal(shExec.creds.gid, process.getgid?.());

    const trueExec = await k.waitFor((e): e is ExecEvent => e.kind === 'process.exec' && e.parent.pid === sh.pid);
    assert.equal(trueExec.binary, realpathSync('/bin/true'));
    assert.deepEqual(trueExec.argv, ['/bin/true', 'a', 'b', 'c d', '']);
    assert.equal(trueExec.argvTruncated, false);
    assert.equal(
      trueExec.parent.startNs,
      shExec.process.startNs,
      'the parent is this sh, not an earlier process with its pid',
    );

    const trueExit = await k.waitFor(isExit(trueExec.process.pid));
    assert.equal(trueExit.exitCode, 0);
    assert.equal(trueExit.signal, 0);
    const shExit = await k.waitFor(isExit(sh.pid));
    assert.equal(shExit.exitCode, 3);
    assert.equal(shExit.process.startNs, shExec.process.startNs);
    assert.ok(shExit.origin.ktime >= trueExit.origin.ktime);
  });

  test('a process killed by a signal reports the signal', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid ?? -1;
    await kernel.waitFor(isExec(pid));
    child.kill('SIGKILL');
    const exit = await kernel.waitFor(isExit(pid));
    assert.equal(exit.signal, 9);
    assert.equal(exit.exitCode, 0);

    const term = await run('/bin/sh', ['-c', 'kill -TERM $$']);
    assert.equal(term.signal, 'SIGTERM');
    assert.equal((await kernel.waitFor(isExit(term.pid))).signal, 15);
  });

  test('the working directory is reported as an absolute path', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const dir = mkdtempSync(join(tmpdir(), 'ebpipe cwd '));
    const proc = await run('/bin/true', [], { cwd: dir });
    const exec = await kernel.waitFor(isExec(proc.pid));
    assert.equal(exec.cwd, realpathSync(dir));
    assert.equal(exec.cwdTruncated, false);
  });

  test('argv beyond the kernel bound is flagged truncated and its complete part is exact', async (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    const args = Array.from({ length: 120 }, (_, i) => `argument-${i}-${'x'.repeat(40)}`);
    const proc = await run('/bin/true', args);
    const exec = await kernel.waitFor(isExec(proc.pid));
    assert.equal(exec.argvTruncated, true);
    const kept = exec.argv.slice(1);
    assert.ok(kept.length > 10 && kept.length < args.length, `kept ${kept.length} of ${args.length}`);
    assert.deepEqual(kept.slice(0, -1), args.slice(0, kept.length - 1), 'every complete argument is exact');
    const last = kept.at(-1) ?? '';
    assert.ok(args[kept.length - 1]?.startsWith(last), 'the cut argument is a prefix of the real one');
    const bytes = exec.argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    assert.ok(bytes <= 4096, `at most the bound (${bytes} bytes)`);
  });

  test('no records are lost to framing or decoding', (t) => {
    if (!requirement(t, rootMissing()) || !kernel) return;
    assert.equal(kernel.decoder.stats.badFraming, 0);
    assert.equal(kernel.decoder.stats.truncated, 0);
    assert.equal(kernel.decoder.stats.unknownOp, 0);
  });
});

describe('closing the kernel source', () => {
  test('close() leaves none of its programs loaded', async (t) => {
    if (!requirement(t, rootMissing())) return;
    const kernel = new CollectingKernel();
    const attached = kernel.source.attachedPrograms();
    assert.deepEqual(attached.map((p) => p.program).sort(), ['handle_exec', 'handle_exit', 'handle_fork']);
    const loadedIds = () =>
      new Set(
        (JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as { id: number }[]).map(
          (p) => p.id,
        ),
      );
    const before = loadedIds();
    for (const p of attached) assert.ok(before.has(p.id), `program ${p.program} (${p.id}) is loaded while open`);
    await kernel.close();
    // The kernel frees links and programs from a workqueue, a moment after the last reference goes.
    let remaining = attached;
    for (let i = 0; i < 100 && remaining.length > 0; i++) {
      await delay(20);
      const loaded = loadedIds();
      remaining = remaining.filter((p) => loaded.has(p.id));
    }
    assert.deepEqual(remaining, [], 'no program stays loaded after close');
    await kernel.close(); // idempotent
  });
});
