// Policy enforcement on a real kernel (root). Run twice by the test suite: on this host
// (test/policy-enforcement.root.test.ts: whichever variant the kernel allows, here syscall-exit
// tracepoints and SIGKILL) and inside Debian's 6.1 kernel with BPF LSM active
// (test/policy-enforcement-lsm.root.test.ts, where lsm/file_open also refuses opens: Override).
// EBPIPE_EXPECT_POLICY_VARIANT makes a run fail when the kernel gave another variant.
//
// The scenario is the one of "From Observability to Enforcement" (KubeCon NA 2024): a secret
// file, read by cat (killed before it reads a byte) and by an allowed binary (reads it), then
// the ways around a naive policy: another open syscall, a relative path, "..", a symlink, a
// hard link; all must be caught.
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  linkSync,
  mkdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { PolicyMatchEvent } from '../../src/events/policy-events.js';
import { PolicyFileError } from '../../src/policy/policy-document.js';
import { PolicyDirectory } from '../../src/policy/policy-directory.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { requirement, rootMissing } from '../helpers/environment.js';
import { fileOpenPolicy, kprobePolicy, secretPolicy } from '../../src/testing/policies.js';
import { PolicyTestbed, TEST_ACTOR, type Run } from './testbed.js';

const SECRET = 'I love pizza!\n';
const expectedVariant = process.env['EBPIPE_EXPECT_POLICY_VARIANT'];

function killedBeforeReading(run: Run, what: string): void {
  assert.equal(
    run.signal,
    'SIGKILL',
    `${what}: expected SIGKILL, got code ${run.code} signal ${run.signal} stderr ${run.stderr}`,
  );
  assert.equal(run.stdout, '', `${what}: read ${JSON.stringify(run.stdout)} before it was killed`);
}

void describe('policy enforcement in the kernel (root)', { concurrency: false, timeout: 600_000 }, () => {
  let bed: PolicyTestbed | undefined;
  let secret = '';
  let allowedCat = '';

  before(() => {
    if (rootMissing() !== null) return;
    bed = new PolicyTestbed();
    mkdirSync(join(bed.dir, 'my/extremely/secret'), { recursive: true });
    secret = join(bed.dir, 'my/extremely/secret/file');
    writeFileSync(secret, SECRET);
    // The talk's /my/cat: a copy of cat at its own path, the one binary allowed to read.
    allowedCat = join(bed.dir, 'my/cat');
    copyFileSync('/bin/cat', allowedCat);
    statSync(allowedCat);
  });
  after(async () => {
    await bed?.close();
  });

  function ready(t: TestContext): PolicyTestbed | null {
    if (!requirement(t, rootMissing()) || !bed) return null;
    return bed;
  }

  void test('the policy sensor runs the variant this kernel allows', (t) => {
    const b = ready(t);
    if (!b) return;
    if (expectedVariant) assert.equal(b.variant, expectedVariant);
    t.diagnostic(`policy sensor variant: ${b.variant}`);
  });

  void test('cat of the secret is killed before it reads a byte, the allowed binary reads it, other files are untouched', async (t) => {
    const b = ready(t);
    if (!b) return;
    writeFileSync(join(b.dir, 'hostname'), 'amazing-vm\n');
    b.apply(secretPolicy('block-secret-access', secret, allowedCat, '      - action: Sigkill'));
    try {
      const cat = await b.run('cat', [secret]);
      killedBeforeReading(cat, 'cat');
      const allowed = await b.run(allowedCat, [secret]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(allowed.stdout, SECRET);
      const other = await b.run('cat', [join(b.dir, 'hostname')]);
      assert.equal(other.code, 0);
      assert.equal(other.stdout, 'amazing-vm\n');

      const event = await b.matchOf('block-secret-access', cat.pid);
      assert.equal(event.killed, true);
      assert.equal(event.signal, 9);
      assert.deepEqual(event.actions, ['post', 'sigkill']);
      assert.equal(event.file?.path, secret);
      assert.equal(event.hook, 'file_open');
      assert.equal(event.mechanism, b.variant === 'lsm' ? 'lsm' : 'syscall_exit');
      assert.equal(event.process.comm, 'cat');
      assert.equal(event.creds.uid, process.getuid?.());
      assert.equal(b.matches('block-secret-access', allowed.pid).length, 0, 'the allowed binary is not reported');
      assert.equal(b.matches('block-secret-access', other.pid).length, 0);
    } finally {
      b.engine.delete('block-secret-access', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });

  void test('no way around it: every open syscall, a relative path, "..", a symlink, a hard link, creat and O_TRUNC are all killed', async (t) => {
    const b = ready(t);
    if (!b) return;
    const dir = join(b.dir, 'my');
    symlinkSync(secret, join(b.dir, 'innocent-link'));
    linkSync(secret, join(b.dir, 'innocent-hardlink'));
    b.apply(secretPolicy('block-secret-access', secret, allowedCat, '      - action: Sigkill'));
    try {
      const attempts: [string, Promise<Run>][] = [
        ['open(2)', b.run(b.reader, ['open', secret])],
        ['openat(2)', b.run(b.reader, ['openat', secret])],
        ['openat2(2)', b.run(b.reader, ['openat2', secret])],
        ['relative path after chdir', b.run('cat', ['extremely/secret/file'], { cwd: dir })],
        ['a path through ..', b.run('cat', ['extremely/secret/../../extremely/./secret/file'], { cwd: dir })],
        ['a symlink', b.run('cat', [join(b.dir, 'innocent-link')])],
        ['a hard link', b.run('cat', [join(b.dir, 'innocent-hardlink')])],
        ['O_TRUNC', b.run(b.reader, ['trunc', join(b.dir, 'innocent-hardlink')])],
      ];
      for (const [what, attempt] of attempts) killedBeforeReading(await attempt, what);
      // creat(2) last: it truncates the file when the open is only caught at its exit.
      const creat = await b.run(b.reader, ['creat', secret]);
      killedBeforeReading(creat, 'creat(2)');
      await b.matchOf('block-secret-access', creat.pid);
      await delay(200);
      const kills = b.matches('block-secret-access').filter((e) => e.killed);
      assert.ok(kills.length >= attempts.length + 1, `${kills.length} kills reported`);
      const syscalls = new Set(kills.map((e) => e.syscall));
      for (const s of ['open', 'openat', 'openat2', 'creat'])
        assert.ok(syscalls.has(s), `a kill in ${s}: ${[...syscalls].join(',')}`);
      for (const e of kills) assert.equal(e.file?.ino, statSync(secret).ino, 'every kill names the secret itself');
    } finally {
      b.engine.delete('block-secret-access', { via: 'cli', pid: process.pid, uid: 0 });
      writeFileSync(secret, SECRET);
    }
  });

  void test('Override makes the open fail with the policy error, before O_TRUNC truncates (lsm), or is refused at load time', async (t) => {
    const b = ready(t);
    if (!b) return;
    const text = secretPolicy('refuse-secret', secret, allowedCat, '      - action: Override\n        argError: -1');
    if (b.variant !== 'lsm') {
      const err = (() => {
        try {
          b.apply(text);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof PolicyFileError, String(err));
      assert.equal(err.issues.length, 1);
      assert.equal(err.issues[0]?.path, 'spec.kprobes[0].selectors[0].matchActions[0].action');
      assert.match(
        err.issues[0]?.message ?? '',
        /Override cannot be honoured here: this kernel allows no BPF LSM programs/,
      );
      assert.equal(err.issues[0]?.line, 23);
      assert.equal(b.engine.list().length, 0, 'nothing was applied');
      return;
    }
    b.apply(text);
    try {
      for (const mode of ['open', 'openat', 'openat2', 'trunc']) {
        const run = await b.run(b.reader, [mode, secret]);
        assert.equal(run.code, 3, `${mode}: ${run.stderr}`);
        assert.equal(run.stderr.trim(), `${mode}: EPERM`);
        assert.equal(run.stdout, '');
      }
      // Only the allowed binary may read it now (this test's own node is refused too).
      const allowed = await b.run(allowedCat, [secret]);
      assert.equal(allowed.stdout, SECRET, 'O_TRUNC did not truncate: the open was refused before');
      await delay(200);
      const refused = b.matches('refuse-secret');
      assert.ok(refused.length >= 4);
      for (const e of refused) {
        assert.deepEqual(e.actions, ['post', 'override']);
        assert.equal(e.error, -1);
        assert.equal(e.mechanism, 'lsm');
      }
    } finally {
      b.engine.delete('refuse-secret', { via: 'cli', pid: process.pid, uid: 0 });
    }
    // Override and Sigkill together: refused and killed.
    b.apply(
      secretPolicy(
        'refuse-and-kill',
        secret,
        allowedCat,
        '      - action: Override\n        argError: -13\n      - action: Sigkill',
      ),
    );
    try {
      const run = await b.run(b.reader, ['trunc', secret]);
      killedBeforeReading(run, 'trunc with Override+Sigkill');
      assert.equal((await b.run(allowedCat, [secret])).stdout, SECRET);
      const event = await b.matchOf('refuse-and-kill', run.pid);
      assert.deepEqual(event.actions, ['post', 'sigkill', 'override']);
      assert.equal(event.error, -13);
      assert.equal(event.killed, true);
    } finally {
      b.engine.delete('refuse-and-kill', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });

  void test('matchArgs Prefix /etc/ posts only opens under /etc/: the kernel evaluates the rest and copies nothing of it', async (t) => {
    const b = ready(t);
    if (!b) return;
    writeFileSync(join(b.dir, 'not-etc'), 'x');
    b.apply(
      fileOpenPolicy(
        'etc-reads',
        `    - matchArgs:
      - index: 0
        operator: Prefix
        values:
        - /etc/
      matchBinaries:
      - operator: In
        values:
        - ${b.reader}`,
      ),
    );
    try {
      const seenBefore = b.engine.hookCounters().file_open.seen;
      const etc = await b.run(b.reader, ['openat', '/etc/hostname', '5']);
      const other = await b.run(b.reader, ['openat', join(b.dir, 'not-etc'), '20']);
      assert.equal(etc.code, 0);
      assert.equal(other.code, 0);
      await b.waitFor((e) => e.kind === 'policy.match' && e.process.pid === etc.pid);
      await delay(200);
      const posted = b.matches('etc-reads');
      assert.deepEqual(
        posted.map((e) => [e.process.pid, e.file?.path]),
        Array(5).fill([etc.pid, '/etc/hostname']),
        'one event per /etc/ open of the reader, none for its other opens',
      );
      const [counts] = b.engine
        .list()
        .find((p) => p.name === 'etc-reads')!
        .hooks.map((h) => h.counts);
      assert.equal(counts?.posted, 5);
      assert.equal(counts?.matched, 5);
      assert.ok((counts?.evaluated ?? 0) >= 25, `the kernel evaluated the other opens too: ${counts?.evaluated}`);
      assert.ok(b.engine.hookCounters().file_open.seen - seenBefore >= 25);
    } finally {
      b.engine.delete('etc-reads', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });

  void test('a rate-limited Post reports how many events it held back', async (t) => {
    const b = ready(t);
    if (!b) return;
    const file = join(b.dir, 'rate-limited');
    writeFileSync(file, 'x');
    b.apply(
      kprobePolicy(
        'rate-limited',
        `  - call: fd_install
    syscall: false
    args:
    - index: 1
      type: file
    selectors:
    - matchArgs:
      - index: 1
        operator: Equal
        values:
        - ${file}
      matchActions:
      - action: Post
        rateLimit: 1
        rateLimitScope: global`,
      ),
    );
    try {
      const burst = await b.run(b.reader, ['openat', file, '10']);
      await b.matchOf('rate-limited', burst.pid);
      await delay(1200);
      const later = await b.run(b.reader, ['openat', file]);
      const last = await b.matchOf('rate-limited', later.pid);
      const events = b.matches('rate-limited');
      assert.equal(b.matches('rate-limited', burst.pid).length, 1, 'the burst posted once');
      assert.equal(events.length, 2);
      assert.equal(last.suppressed, 9, 'the next event says 9 were held back');
      assert.ok(last.actions.includes('rate_limit'));
      const [counts] = b.engine
        .list()
        .find((p) => p.name === 'rate-limited')!
        .hooks.map((h) => h.counts);
      assert.equal(counts?.rateLimited, 9);
      assert.equal(counts?.posted, 2);
    } finally {
      b.engine.delete('rate-limited', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });

  void test('aggregation counts matches per binary and path prefix in the kernel and reports a summary instead', async (t) => {
    const b = ready(t);
    if (!b) return;
    mkdirSync(join(b.dir, 'agg'));
    writeFileSync(join(b.dir, 'agg/a'), 'a');
    writeFileSync(join(b.dir, 'agg/b'), 'b');
    b.apply(
      fileOpenPolicy(
        'folded',
        `    - matchArgs:
      - index: 0
        operator: Prefix
        values:
        - ${b.dir}/agg/
      matchActions:
      - action: Post
        aggregate:
          by: [binary, pathPrefix]
          window: 1s`,
      ),
    );
    try {
      await b.run(b.reader, ['openat', join(b.dir, 'agg/a'), '30']);
      await b.run(b.reader, ['open', join(b.dir, 'agg/b'), '20']);
      const cat = await b.run('cat', [join(b.dir, 'agg/a')]);
      assert.equal(cat.code, 0);
      const folded = () =>
        b
          .summaries('folded')
          .filter((s) => s.key.binary === b.reader)
          .reduce((n, s) => n + s.count, 0);
      for (const deadline = Date.now() + 10_000; folded() < 50 && Date.now() < deadline;) await delay(100);
      await b.waitFor(
        (e) => e.kind === 'policy.summary' && e.policy === 'folded' && e.process.binary !== b.reader,
        10_000,
      );
      await delay(1500); // a late window would add to the count
      assert.equal(folded(), 50, 'every open of the reader folded into its key');
      const summaries = b.summaries('folded');
      for (const s of summaries) assert.equal(s.key.pathPrefix, `${b.dir}/agg/`);
      const metric = b.counters
        .snapshot()
        .find((c) => c.name === 'policy_aggregated_events_total' && c.labels['binary'] === b.reader);
      assert.deepEqual(metric?.labels, {
        policy: 'folded',
        rule: '0',
        selector: '0',
        binary: b.reader,
        path_prefix: `${b.dir}/agg/`,
      });
      assert.equal(metric?.value, 50, 'the counts as a metric too');
      assert.equal(b.matches('folded').length, 0, 'no event per open');
      const [counts] = b.engine
        .list()
        .find((p) => p.name === 'folded')!
        .hooks.map((h) => h.counts);
      assert.ok((counts?.aggregated ?? 0) >= 51);
      assert.equal(counts?.posted, 0);
    } finally {
      b.engine.delete('folded', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });

  void test('a replaced protected file is matched by its new inode: hard links to it are caught', async (t) => {
    const b = ready(t);
    if (!b) return;
    const file = join(b.dir, 'replaced');
    writeFileSync(file, 'old\n');
    b.apply(secretPolicy('replaced-file', file, allowedCat, '      - action: Sigkill'));
    try {
      // An editor's save: a new file renamed over the old one (a new inode).
      writeFileSync(`${file}.tmp`, 'new\n');
      renameSync(`${file}.tmp`, file);
      await delay(600); // the engine looks again every tick (200 ms here)
      linkSync(file, join(b.dir, 'replaced-link'));
      killedBeforeReading(await b.run('cat', [join(b.dir, 'replaced-link')]), 'hard link to the replacement');
    } finally {
      b.engine.delete('replaced-file', { via: 'cli', pid: process.pid, uid: 0 });
      unlinkSync(join(b.dir, 'replaced-link'));
    }
  });

  void test('Signal sends the policy signal; matchPIDs followForks, matchNamespaces and matchCapabilities select in the kernel', async (t) => {
    const b = ready(t);
    if (!b) return;
    const file = join(b.dir, 'selected');
    writeFileSync(file, 'x');
    chmodSync(file, 0o644);
    const shell = spawn('sh', ['-c', `read go; ${b.reader} openat ${file}; echo child done`], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let shellOut = '';
    shell.stdout.setEncoding('utf8').on('data', (c: string) => (shellOut += c));
    const shellDone = new Promise((r) => shell.on('close', r));
    const onFile = `    - matchArgs:
      - index: 0
        operator: Equal
        values: [${file}]`;
    b.apply(
      fileOpenPolicy(
        'descendants-of-shell',
        `${onFile}
      matchPIDs:
      - operator: In
        followForks: true
        values: [${shell.pid}]
      matchActions:
      - action: Signal
        argSig: 10`,
      ),
      join(b.dir, 'pids.yaml'),
    );
    b.apply(
      fileOpenPolicy(
        'host-mnt-with-caps',
        `${onFile}
      matchNamespaces:
      - namespace: Mnt
        operator: In
        values: [host_ns]
      matchCapabilities:
      - type: Effective
        operator: In
        values: [CAP_SYS_ADMIN]`,
      ),
      join(b.dir, 'ns-caps.yaml'),
    );
    try {
      shell.stdin.end('go\n');
      await shellDone;
      assert.equal(shellOut, 'child done\n', 'the shell itself lives on');
      const child = (await b.waitFor(
        (e) => e.kind === 'policy.match' && e.policy === 'descendants-of-shell',
      )) as PolicyMatchEvent;
      assert.notEqual(child.process.pid, shell.pid, "the shell's child matched through followForks");
      assert.deepEqual(child.actions, ['post', 'signal']);
      assert.equal(child.signal, 10);
      const other = await b.run(b.reader, ['openat', file]);
      assert.equal(other.code, 0, 'not a descendant of the shell: no signal');
      assert.equal(b.matches('descendants-of-shell', other.pid).length, 0);

      await b.matchOf('host-mnt-with-caps', other.pid);
      const unshared = await b.run('unshare', ['-m', b.reader, 'openat', file]);
      const nobody = await b.run('setpriv', [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all',
        b.reader,
        'openat',
        file,
      ]);
      assert.equal(unshared.code, 0, unshared.stderr);
      assert.equal(nobody.code, 0, nobody.stderr);
      await delay(300);
      assert.equal(b.matches('host-mnt-with-caps', unshared.pid).length, 0, 'another mount namespace');
      assert.equal(b.matches('host-mnt-with-caps', nobody.pid).length, 0, 'no CAP_SYS_ADMIN');
    } finally {
      shell.kill('SIGKILL');
      b.engine.delete('descendants-of-shell', TEST_ACTOR);
      b.engine.delete('host-mnt-with-caps', TEST_ACTOR);
    }
  });

  void test('tcp_connect: a DPort/DAddr selector kills the connecting process and says where it connected', async (t) => {
    const b = ready(t);
    if (!b) return;
    const server = createServer((s) => s.end()).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    b.apply(
      kprobePolicy(
        'no-local-port',
        `  - call: tcp_connect
    syscall: false
    args:
    - index: 0
      type: sock
    selectors:
    - matchArgs:
      - index: 0
        operator: DPort
        values:
        - ${port}
      - index: 0
        operator: DAddr
        values:
        - 127.0.0.0/8
      matchBinaries:
      - operator: In
        values:
        - ${b.reader}
      matchActions:
      - action: Sigkill`,
      ),
    );
    try {
      const run = await b.run(b.reader, ['connect', '127.0.0.1', String(port)]);
      assert.equal(run.signal, 'SIGKILL', run.stderr);
      const event = await b.matchOf('no-local-port', run.pid);
      assert.equal(event.hook, 'tcp_connect');
      assert.equal(event.connection?.remote.port, port);
      assert.equal(event.connection?.remote.address, '127.0.0.1');
      assert.equal(event.killed, true);
      const otherPort = await b.run(b.reader, ['connect', '127.0.0.1', String(port === 65535 ? 1 : port + 1)]);
      assert.notEqual(otherPort.signal, 'SIGKILL', 'another port is not matched');
    } finally {
      b.engine.delete('no-local-port', { via: 'cli', pid: process.pid, uid: 0 });
      server.close();
    }
  });

  void test('a watched policy file is swapped while a workload runs, with no missed enforcement; an invalid change keeps the old policy', async (t) => {
    const b = ready(t);
    if (!b) return;
    const policies = join(b.dir, 'policies');
    mkdirSync(policies);
    const file = join(policies, 'secret.yaml');
    const version = (n: number) =>
      secretPolicy('hot-reloaded', secret, allowedCat, '      - action: Sigkill').replace(
        `        - ${secret}`,
        `        - ${secret}\n        - ${b.dir}/decoy-${n}`,
      );
    writeFileSync(file, version(0));
    const directory = new PolicyDirectory(policies, b.engine, createLogger('policy-test'));
    directory.start();
    try {
      assert.deepEqual(
        b.engine.list().map((p) => p.name),
        ['hot-reloaded'],
      );
      let stop = false;
      const runs: Run[] = [];
      const workload = (async () => {
        while (!stop) runs.push(await b.run(b.reader, ['openat', secret]));
      })();
      for (let n = 1; n <= 15; n++) {
        writeFileSync(file, version(n));
        await delay(150);
      }
      const applied = b.audits('hot-reloaded').filter((a) => a.result === 'applied' && a.via === 'watch');
      assert.ok(applied.length >= 10, `${applied.length} swaps while the workload ran`);

      // An invalid change: reported with its line and field, the old policy stays in force.
      writeFileSync(file, version(99).replace('operator: Equal', 'operator: Equals'));
      const rejected = await b.waitFor((e) => e.kind === 'policy.audit' && e.result === 'rejected' && e.file === file);
      assert.ok(rejected.kind === 'policy.audit');
      assert.match(
        rejected.reason ?? '',
        new RegExp(
          `${file}:15:19: spec\\.kprobes\\[0\\]\\.selectors\\[0\\]\\.matchArgs\\[0\\]\\.operator: expected one of .*"Equal".* \\(did you mean "Equal"\\?\\)`,
        ),
      );
      await delay(300);
      stop = true;
      await workload;
      assert.ok(runs.length >= 10, `${runs.length} opens during the swaps`);
      runs.forEach((run, i) => killedBeforeReading(run, `open ${i} during hot reload`));
      assert.equal(b.engine.list()[0]?.sha256, applied.at(-1)?.sha256, 'the last valid version is in force');
    } finally {
      directory.close();
      rmSync(file);
      b.engine.delete('hot-reloaded', { via: 'cli', pid: process.pid, uid: 0 });
    }
  });
});
