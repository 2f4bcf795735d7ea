// `ebpipe observe` as a user runs it: the live JSON view, a clean exit on SIGINT, and a
// clear error without privileges.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../src/common/paths.js';
import { requirement, rootMissing } from './helpers/environment.js';

const cli = join(projectRoot, 'bin', 'ebpipe.js');

test('observe --output json prints one JSON object per event and exits 0 on SIGINT', { timeout: 60_000 }, async (t) => {
  if (!requirement(t, rootMissing())) return;
  // info level: the test waits for the "sensor attached" log line.
  const agent = spawn(process.execPath, [cli, 'observe', '--output', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, EBPIPE_LOG_LEVEL: 'info' },
  });
  let out = '';
  agent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => agent.on('exit', (code) => resolve(code)));
  try {
    // The agent logs "sensor attached" once it is ready.
    await new Promise<void>((resolve) =>
      agent.stderr.on('data', (c: Buffer) => c.toString().includes('sensor attached') && resolve()),
    );
    const marker = `ebpipe-observe-${process.pid}`;
    spawnSync('/bin/echo', [marker, 'with space', '--password=hunter2']);
    for (let i = 0; i < 200 && !out.includes(marker); i++) await delay(10);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const exec = lines.find((l) => l['kind'] === 'process.exec' && (l['argv'] as string[])[1] === marker);
    assert.ok(exec, 'the exec of /bin/echo is printed');
    assert.deepEqual(exec['argv'], ['/bin/echo', marker, 'with space', '--password=[REDACTED:secret-flag]']);
    assert.ok(!out.includes('hunter2'), 'the secret never reaches the console');
    assert.match(String(exec['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const age = Date.now() - Date.parse(String(exec['time']));
    assert.ok(age >= 0 && age < 10_000, `wall-clock time is now (${age} ms ago)`);
  } finally {
    agent.kill('SIGINT');
  }
  assert.equal(await exited, 0);
});

test('observe without privileges fails with a message that says what is missing and how to fix it', (t) => {
  if (!requirement(t, rootMissing())) return;
  const result = spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, cli, 'observe'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /missing privileges: loading BPF programs needs root, or CAP_BPF and CAP_PERFMON/);
});
