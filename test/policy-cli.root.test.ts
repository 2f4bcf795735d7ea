// `ebpipe policy add|list|delete` against a running engine's control socket (root): a policy
// added from the command line is enforced at once, an invalid file is refused with its line
// and field and the policy in force stays, and every change is audited with who asked.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { PolicyAuditEvent } from '../src/events/policy-events.js';
import { PolicyControlServer } from '../src/policy/control-server.js';
import { createLogger } from '../src/telemetry/logger.js';
import { requirement, rootMissing } from './helpers/environment.js';
import { runCli } from './helpers/cli.js';
import { secretPolicy } from '../src/testing/policies.js';
import { PolicyTestbed } from './policy/testbed.js';

const SIGKILL = '      - action: Sigkill';

describe('ebpipe policy on a running agent (root)', { concurrency: false }, () => {
  let bed: PolicyTestbed | undefined;
  let control: PolicyControlServer | undefined;
  let socket = '';
  let secret = '';
  let allowed = '';

  before(async () => {
    if (rootMissing() !== null) return;
    bed = new PolicyTestbed();
    socket = join(bed.dir, 'run/policy.sock');
    control = await PolicyControlServer.listen(socket, bed.engine, createLogger('policy-cli-test'));
    mkdirSync(join(bed.dir, 'files'));
    secret = join(bed.dir, 'files/secret');
    writeFileSync(secret, 'I love pizza!\n');
    allowed = join(bed.dir, 'allowed-cat');
    copyFileSync('/bin/cat', allowed);
  });
  after(async () => {
    await control?.close();
    await bed?.close();
  });

  function ready(t: TestContext): PolicyTestbed | null {
    if (!requirement(t, rootMissing()) || !bed) return null;
    return bed;
  }

  const policy = (...args: string[]) => runCli(['policy', '--socket', socket, ...args], { EBPIPE_LOG_LEVEL: 'fatal' });

  test('add enforces the policy at once, list shows its mechanism and counters, and the change is audited with who asked', async (t) => {
    const b = ready(t);
    if (!b) return;
    const file = join(b.dir, 'block-secret-access.yaml');
    writeFileSync(file, secretPolicy('block-secret-access', secret, allowed, SIGKILL));
    const added = await policy('add', file);
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /^added block-secret-access \(.*block-secret-access\.yaml, sha256 [0-9a-f]{12}\)\n {2}kprobe security_file_open -> /,
    );
    const cat = await b.run('cat', [secret]);
    assert.equal(cat.signal, 'SIGKILL');
    assert.equal(cat.stdout, '');

    const listed = await policy('list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^policy sensor: ${b.variant}\n`));
    assert.match(listed.stdout, /signalled 1 /);
    const json = await policy('list', '--json');
    const parsed = JSON.parse(json.stdout) as {
      variant: string;
      policies: { name: string; hooks: { mechanism: string }[] }[];
    };
    assert.deepEqual(
      parsed.policies.map((p) => p.name),
      ['block-secret-access'],
    );
    assert.equal(
      parsed.policies[0]?.hooks[0]?.mechanism,
      b.variant === 'lsm' ? 'lsm/file_open' : 'tracepoint syscalls/sys_exit_{open,openat,openat2,creat}',
    );

    const [audit] = b.audits('block-secret-access');
    assert.ok(audit);
    assert.equal(audit.action, 'add');
    assert.equal(audit.result, 'applied');
    assert.equal(audit.via, 'cli');
    assert.equal(audit.file, file);
    assert.match(audit.sha256, /^[0-9a-f]{64}$/);
    // Who asked comes from the socket (SO_PEERCRED): the CLI's process, as root.
    assert.equal(audit.process.uid, 0);
    assert.equal(audit.process.user, 'root');
    assert.notEqual(audit.process.pid, process.pid);
  });

  test('an invalid file is refused with its line and field, audited, and the policy in force stays', async (t) => {
    const b = ready(t);
    if (!b) return;
    const file = join(b.dir, 'block-secret-access.yaml');
    writeFileSync(file, secretPolicy('block-secret-access', secret, allowed, SIGKILL, 'Equals'));
    const refused = await policy('add', file);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `^${file}:15:19: spec\\.kprobes\\[0\\]\\.selectors\\[0\\]\\.matchArgs\\[0\\]\\.operator: expected one of .* \\(did you mean "Equal"\\?\\), got "Equals"\n$`,
      ),
    );
    const audit = b.audits().at(-1) as PolicyAuditEvent;
    assert.equal(audit.result, 'rejected');
    assert.equal(audit.file, file);
    assert.match(audit.reason ?? '', /:15:19: /);
    const cat = await b.run('cat', [secret]);
    assert.equal(cat.signal, 'SIGKILL', 'the valid version is still enforced');

    // The same name from another file: refused, the first one stays.
    const other = join(b.dir, 'other.yaml');
    writeFileSync(other, secretPolicy('block-secret-access', secret, allowed, SIGKILL));
    const conflict = await policy('add', other);
    assert.equal(conflict.code, 1);
    assert.match(
      conflict.stderr,
      /policy block-secret-access is already loaded from .*block-secret-access\.yaml: delete it first/,
    );
  });

  test('delete by file removes the policy; unknown names and a missing agent are errors', async (t) => {
    const b = ready(t);
    if (!b) return;
    const deleted = await policy('delete', join(b.dir, 'block-secret-access.yaml'));
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted block-secret-access\n');
    const cat = await b.run('cat', [secret]);
    assert.equal(cat.code, 0);
    assert.equal(cat.stdout, 'I love pizza!\n');
    assert.equal(b.audits('block-secret-access').at(-1)?.action, 'delete');

    const unknown = await policy('delete', 'no-such-policy');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no policy named no-such-policy is loaded/);
    const noAgent = await runCli(['policy', '--socket', join(b.dir, 'nothing.sock'), 'list']);
    assert.equal(noAgent.code, 1);
    assert.match(noAgent.stderr, /policy socket .*nothing\.sock: no agent is listening/);
  });
});
