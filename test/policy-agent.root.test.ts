// `ebpipe run` with policies (root): the ebpf receiver loads the policy sensor, applies the
// policy directory and serves the control socket; policy, audit events reach the pipeline's
// exporters with the enrich stage's process identity; a broken edit of a watched file is
// refused and the policy in force stays.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { projectRoot } from '../src/common/paths.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { runCli, startCli } from './helpers/cli.js';

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check();) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

test(
  'ebpipe run enforces the policies of its directory and reports policy and audit events',
  { timeout: 120_000 },
  async (t) => {
    if (!requirement(t, rootMissing())) return;
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ebpipe-policy-agent-')));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'policies'));
    mkdirSync(join(dir, 'my/extremely/secret'), { recursive: true });
    const secret = join(dir, 'my/extremely/secret/file');
    writeFileSync(secret, 'I love pizza!\n');
    copyFileSync('/bin/cat', join(dir, 'my/cat'));
    const example = readFileSync(join(projectRoot, 'config/policies/block-secret-access.yaml'), 'utf8');
    const policy = example.replaceAll('/my/', `${dir}/my/`);
    writeFileSync(join(dir, 'policies/secret.yaml'), policy);
    const socket = join(dir, 'policy.sock');
    writeFileSync(
      join(dir, 'pipeline.yaml'),
      `receivers:
  ebpf:
    sensors: [process, policy]
    policies:
      directory: policies
      socket: ${socket}
processors:
  decode:
  enrich:
exporters:
  console:
    format: json
service:
  pipelines:
    logs:
      receivers: [ebpf]
      processors: [decode, enrich]
      exporters: [console]
`,
    );

    const agent = startCli(['run', '-c', join(dir, 'pipeline.yaml')], { EBPIPE_LOG_LEVEL: 'info' });
    let stdout = '';
    let stderr = '';
    agent.child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    agent.child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    t.after(() => agent.child.kill('SIGKILL'));
    const events = () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown> & { kind: string; process: Record<string, unknown> });
    await until('the agent to start', () => stderr.includes('"msg":"agent running"'));
    assert.match(
      stderr,
      /"hook":"kprobe security_file_open","mechanism":"(lsm\/file_open|tracepoint syscalls\/sys_exit_\{open,openat,openat2,creat\})","msg":"policy hook attached"/,
    );

    const cat = spawnSync('cat', [secret], { encoding: 'utf8' });
    assert.equal(cat.signal, 'SIGKILL');
    assert.equal(cat.stdout, '');
    await until('the policy event', () => events().some((e) => e.kind === 'policy.match'));
    const match = events().find((e) => e.kind === 'policy.match')!;
    assert.equal(match['policy'], 'block-secret-access');
    assert.equal(match['killed'], true);
    assert.equal(match.process['pid'], cat.pid);
    assert.equal(match.process['binary'], realpathSync('/bin/cat'), 'the enrich stage names the killed binary');
    const startup = events().find((e) => e.kind === 'policy.audit')!;
    assert.deepEqual([startup['action'], startup['result'], startup['via']], ['add', 'applied', 'startup']);

    // A broken edit: refused and reported; the version in force still kills.
    writeFileSync(join(dir, 'policies/secret.yaml'), policy.replace('operator: NotIn', 'operator: NotInside'));
    await until('the refusal', () => events().some((e) => e.kind === 'policy.audit' && e['result'] === 'rejected'));
    const refused = events().find((e) => e.kind === 'policy.audit' && e['result'] === 'rejected')!;
    assert.match(
      String(refused['reason']),
      /secret\.yaml:23:19: spec\.kprobes\[0\]\.selectors\[0\]\.matchBinaries\[0\]\.operator: expected one of/,
    );
    assert.equal(spawnSync('cat', [secret]).signal, 'SIGKILL');

    const listed = await runCli(['policy', '--socket', socket, 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /block-secret-access .*sha256/);

    agent.child.kill('SIGINT');
    const exit = await agent.done;
    assert.equal(exit.code, 0, stderr.slice(-2000));
    // The policies go with the agent.
    assert.equal(spawnSync('cat', [secret], { encoding: 'utf8' }).stdout, 'I love pizza!\n');
  },
);
