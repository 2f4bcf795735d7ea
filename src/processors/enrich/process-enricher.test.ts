import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CgroupDirectory } from '../../containers/cgroup-directory.js';
import type { PodMetadataSource } from '../../containers/pod-metadata.js';
import type { Event } from '../../events/model.js';
import type { PodRef } from '../../events/references.js';
import { formatExecId, parseExecId } from '../../processes/exec-id.js';
import { FakeProc } from '../../testing/fake-proc.js';
import { UserNames } from '../../processes/user-names.js';
import { EnrichConfigError } from './errors.js';
import { ProcessEnricher, type ProcessEnricherOptions } from './process-enricher.js';
import { execEvent, exitEvent, forkEvent, type ProcessKey } from '../../testing/synthetic-events.js';

const HOST = 'testhost:0011223344556677';
const MS = 1e6;
const S = 1e9;
const CONTAINER = 'ab'.repeat(32);
const POD_UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

const files = mkdtempSync(join(tmpdir(), 'ebpipe-enrich-'));
const passwd = join(files, 'passwd');
writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n');
const fakes: FakeProc[] = [];
after(() => {
  for (const f of fakes) f.dispose();
});

function fakeProc(): FakeProc {
  const f = new FakeProc();
  fakes.push(f);
  return f;
}

/** An enricher over a fake /proc (empty unless given): nothing of this host leaks in. */
function enricher(options: ProcessEnricherOptions = {}, proc = fakeProc()): ProcessEnricher {
  return new ProcessEnricher({
    host: HOST,
    procRoot: proc.root,
    cgroups: new CgroupDirectory({ procRoot: proc.root, mountPoint: undefined, hybrid: false }),
    users: new UserNames({ path: passwd }),
    ...options,
  });
}

/** observe + enrich, as the pipeline stage does; returns the event. */
function feed<E extends Event>(e: ProcessEnricher, event: E): E {
  e.enrichBatch([event]);
  return event;
}

/** Some later event of a process (an exit record, enriched without being observed). */
function eventOf(e: ProcessEnricher, key: ProcessKey): Event {
  const event = exitEvent(0, key);
  e.enrich(event);
  return event;
}

const NODE = { pid: 100, startNs: 1 * S + 123 };
const CHILD = { pid: 101, startNs: 2 * S + 456 };
const GRANDCHILD = { pid: 102, startNs: 3 * S + 789 };

describe('ProcessEnricher: identity from exec events', () => {
  test('an exec gives its events the exec id, binary, argv, cwd, uid and user name', () => {
    const e = enricher();
    const exec = feed(
      e,
      execEvent({
        ktime: 5 * S,
        process: CHILD,
        parent: NODE,
        binary: '/usr/bin/id',
        argv: ['id', '-u'],
        cwd: '/home/alice',
        uid: 1000,
      }),
    );
    const p = eventOf(e, CHILD).process;
    assert.equal(p.execId, exec.process.execId);
    assert.deepEqual(parseExecId(p.execId ?? ''), { host: HOST, timeNs: 5 * S, pid: CHILD.pid });
    assert.equal(p.binary, '/usr/bin/id');
    assert.deepEqual(p.argv, ['id', '-u']);
    assert.equal(p.cwd, '/home/alice');
    assert.equal(p.uid, 1000);
    assert.equal(p.user, 'alice');
    assert.equal(p.ppid, NODE.pid);
  });

  test('a uid without a passwd entry stays numeric', () => {
    const e = enricher();
    feed(e, execEvent({ ktime: 5 * S, process: CHILD, parent: NODE, binary: '/usr/bin/id', argv: ['id'], uid: 4242 }));
    const p = eventOf(e, CHILD).process;
    assert.equal(p.uid, 4242);
    assert.equal('user' in p, false);
  });

  test('two processes with the same pid but different start times never share an identity', () => {
    const e = enricher();
    const first = { pid: 4242, startNs: 10 * S + 1 };
    const second = { pid: 4242, startNs: 12 * S + 2 };
    feed(
      e,
      execEvent({ ktime: 10 * S + 5 * MS, process: first, parent: NODE, binary: '/usr/bin/first', argv: ['first'] }),
    );
    feed(e, exitEvent(11 * S, first));
    feed(
      e,
      execEvent({ ktime: 12 * S + 5 * MS, process: second, parent: NODE, binary: '/usr/bin/second', argv: ['second'] }),
    );
    // Late records of the first arrive after the second started: each keeps its own identity.
    const late = eventOf(e, first).process;
    const now = eventOf(e, second).process;
    assert.equal(late.binary, '/usr/bin/first');
    assert.equal(now.binary, '/usr/bin/second');
    assert.notEqual(late.execId, now.execId);
    assert.equal(parseExecId(late.execId ?? '')?.timeNs, 10 * S + 5 * MS);
    assert.equal(parseExecId(now.execId ?? '')?.timeNs, 12 * S + 5 * MS);
  });

  test('pid reuse within one start tick is the one case keys cannot tell apart (pids are not reused that fast)', () => {
    const e = enricher();
    const a = { pid: 7, startNs: 20 * S + 1 * MS };
    const b = { pid: 7, startNs: 20 * S + 11 * MS }; // next 10 ms tick: distinct
    feed(e, execEvent({ ktime: 20 * S + 2 * MS, process: a, parent: NODE, binary: '/a', argv: ['a'] }));
    feed(e, exitEvent(20 * S + 3 * MS, a));
    feed(e, execEvent({ ktime: 20 * S + 12 * MS, process: b, parent: NODE, binary: '/b', argv: ['b'] }));
    assert.equal(eventOf(e, a).process.binary, '/a');
    assert.equal(eventOf(e, b).process.binary, '/b');
  });
});

describe('ProcessEnricher: ancestry', () => {
  test("bash -c 'sh -c cat': bash execs sh in place, sh forks and execs cat; cat's ancestors are sh, bash, node", () => {
    const e = enricher();
    feed(
      e,
      execEvent({
        ktime: 1 * S + 500,
        process: NODE,
        parent: { pid: 1, startNs: 0 },
        binary: '/usr/bin/node',
        argv: ['node'],
      }),
    );
    feed(e, forkEvent(2 * S + 456, CHILD, NODE));
    const bash = feed(
      e,
      execEvent({
        ktime: 2 * S + 1000,
        process: CHILD,
        parent: NODE,
        binary: '/usr/bin/bash',
        argv: ['bash', '-c', 'sh -c cat'],
      }),
    );
    const sh = feed(
      e,
      execEvent({
        ktime: 2 * S + 2000,
        process: CHILD,
        parent: NODE,
        binary: '/usr/bin/dash',
        argv: ['sh', '-c', 'cat'],
      }),
    );
    const fork = feed(e, forkEvent(3 * S + 789, GRANDCHILD, CHILD));
    const cat = feed(
      e,
      execEvent({ ktime: 3 * S + 1000, process: GRANDCHILD, parent: CHILD, binary: '/usr/bin/cat', argv: ['cat'] }),
    );

    const chain = (event: Event) => event.process.ancestors?.map((a) => [a.pid, a.binary]);
    assert.deepEqual(chain(cat), [
      [101, '/usr/bin/dash'],
      [101, '/usr/bin/bash'],
      [100, '/usr/bin/node'],
    ]);
    assert.equal(cat.process.parentExecId, sh.process.execId);
    assert.equal(sh.process.parentExecId, bash.process.execId, 'an exec in place descends from the image it replaced');
    assert.equal(cat.process.ancestors?.[1]?.execId, bash.process.execId);
    // The fork's copy of sh is its own image (events between fork and exec), but not an ancestor.
    assert.equal(fork.process.binary, '/usr/bin/dash');
    assert.notEqual(fork.process.execId, sh.process.execId);
    assert.equal(fork.process.parentExecId, sh.process.execId);
    assert.deepEqual(chain(fork), chain(cat));
    assert.equal(cat.process.ppid, CHILD.pid);
    // The new image replaces the old for later events of the process.
    assert.equal(eventOf(e, CHILD).process.execId, sh.process.execId);
  });

  test('ancestry is cut at the configured depth, nearest first', () => {
    const e = enricher({ ancestryDepth: 3 });
    let parent: ProcessKey = NODE;
    const execIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const child = { pid: 200 + i, startNs: (10 + i) * S };
      feed(e, forkEvent((10 + i) * S, child, parent));
      execIds.push(
        feed(e, execEvent({ ktime: (10 + i) * S + MS, process: child, parent, binary: `/bin/p${i}`, argv: [`p${i}`] }))
          .process.execId!,
      );
      parent = child;
    }
    const last = eventOf(e, parent).process;
    assert.deepEqual(
      last.ancestors?.map((a) => a.binary),
      ['/bin/p4', '/bin/p3', '/bin/p2'],
    );
    assert.deepEqual(
      last.ancestors?.map((a) => a.execId),
      [execIds[4], execIds[3], execIds[2]],
    );
  });

  test('a fork whose parent is unknown (and not in /proc) has no ancestry and is counted', () => {
    const e = enricher();
    const fork = feed(e, forkEvent(5 * S, CHILD, NODE));
    assert.deepEqual(fork.process.ancestors, []);
    assert.equal('parentExecId' in fork.process, false);
    assert.equal(e.stats().orphans, 1);
    assert.equal(e.stats().unresolved, 1);
  });
});

describe('ProcessEnricher: exit, grace period, bounds', () => {
  test('an exited process is known for the grace period, then forgotten', () => {
    const e = enricher({ exitGraceMs: 1000 });
    feed(
      e,
      execEvent({
        ktime: 1 * S,
        process: NODE,
        parent: { pid: 1, startNs: 0 },
        binary: '/usr/bin/node',
        argv: ['node'],
      }),
    );
    feed(e, execEvent({ ktime: 5 * S, process: CHILD, parent: NODE, binary: '/bin/x', argv: ['x'] }));
    feed(e, exitEvent(6 * S, CHILD));
    const other = { pid: 300, startNs: 6 * S };
    feed(e, forkEvent(6 * S + 999 * MS, other, NODE)); // the clock moves on: within grace
    assert.equal(eventOf(e, CHILD).process.binary, '/bin/x');
    assert.equal(e.stats().exited, 1);
    feed(e, forkEvent(7 * S + 1 * MS, { pid: 301, startNs: 7 * S }, NODE)); // past grace
    const gone = eventOf(e, CHILD).process;
    assert.equal('execId' in gone, false);
    const stats = e.stats();
    assert.equal(stats.expired, 1);
    assert.equal(stats.exited, 0);
    assert.equal(stats.unresolved - 1, 1, 'the miss tried /proc, where the process is gone (pid 1 missed too)');
  });

  test('with no grace period the exit event itself still gets the identity', () => {
    const e = enricher({ exitGraceMs: 0 });
    feed(e, execEvent({ ktime: 5 * S, process: CHILD, parent: NODE, binary: '/bin/x', argv: ['x'] }));
    assert.equal(feed(e, exitEvent(6 * S, CHILD)).process.binary, '/bin/x');
    feed(e, forkEvent(6 * S + 1, GRANDCHILD, NODE));
    assert.equal(e.stats().expired, 1);
  });

  test('when full, exited entries go first, then the oldest live ones; each is counted', () => {
    const e = enricher({ maxEntries: 3 });
    const keys = [0, 1, 2, 3, 4].map((i) => ({ pid: 500 + i, startNs: (20 + i) * S }));
    const exec = (i: number) =>
      feed(
        e,
        execEvent({ ktime: (20 + i) * S + MS, process: keys[i]!, parent: NODE, binary: `/bin/p${i}`, argv: [`p${i}`] }),
      );
    exec(0);
    exec(1);
    exec(2);
    feed(e, exitEvent(23 * S, keys[1]!));
    exec(3); // evicts p1: exited, though in its grace period
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => eventOf(e, keys[i]!).process.binary),
      ['/bin/p0', undefined, '/bin/p2', '/bin/p3'],
    );
    exec(4); // nothing exited: evicts p0, the oldest live entry
    assert.equal(eventOf(e, keys[0]!).process.binary, undefined);
    assert.equal(eventOf(e, keys[4]!).process.binary, '/bin/p4');
    const stats = e.stats();
    assert.equal(stats.entries, 3);
    assert.equal(stats.evictedExited, 1);
    assert.equal(stats.evictedLive, 1);
  });

  test('counts hits and misses', () => {
    const e = enricher();
    feed(e, execEvent({ ktime: 5 * S, process: CHILD, parent: NODE, binary: '/bin/x', argv: ['x'] }));
    const before = e.stats();
    eventOf(e, CHILD);
    eventOf(e, CHILD);
    eventOf(e, GRANDCHILD);
    assert.equal(e.stats().hits - before.hits, 2);
    assert.equal(e.stats().misses - before.misses, 1);
  });

  test('rejects options it cannot use, naming them', () => {
    assert.throws(
      () => enricher({ maxEntries: 0 }),
      (err: unknown) => err instanceof EnrichConfigError && err.code === 'BAD_OPTION' && err.field === 'maxEntries',
    );
    assert.throws(
      () => enricher({ ancestryDepth: 1.5 }),
      /enrich option ancestryDepth: must be an integer >= 0, got 1.5/,
    );
  });
});

describe('ProcessEnricher: /proc', () => {
  const TICK = 10 * MS;
  function hostProc(): FakeProc {
    return fakeProc()
      .add({
        pid: 1,
        ppid: 0,
        comm: 'systemd',
        startTicks: 5,
        binary: '/usr/lib/systemd/systemd',
        argv: ['/sbin/init'],
        cwd: '/',
      })
      .add({ pid: 2, ppid: 0, comm: 'kthreadd', startTicks: 5 })
      .add({
        pid: 50,
        ppid: 1,
        comm: 'bash',
        startTicks: 900,
        binary: '/usr/bin/bash',
        argv: ['-bash'],
        cwd: '/home/alice',
        uid: 1000,
      })
      .add({
        pid: 60,
        ppid: 50,
        comm: 'sleep',
        startTicks: 1000,
        binary: '/usr/bin/sleep',
        argv: ['sleep', '30'],
        cwd: '/tmp',
        uid: 1000,
        cgroup: `/system.slice/docker-${CONTAINER}.scope`,
      });
  }

  test('processes older than the agent are resolved from the seed, whose start ticks match kernel start times', () => {
    const e = enricher({}, hostProc());
    e.seedFromProc();
    assert.equal(e.stats().seeded, 4);
    // The kernel's start time has ns the tick-precise /proc value lacks.
    const sleep = { pid: 60, startNs: 1000 * TICK + 3_456_789 };
    const exit = feed(e, exitEvent(30 * S, sleep));
    const p = exit.process;
    assert.equal(p.execId, formatExecId(HOST, 1000 * TICK, 60));
    assert.equal(p.binary, '/usr/bin/sleep');
    assert.deepEqual(p.argv, ['sleep', '30']);
    assert.equal(p.cwd, '/tmp');
    assert.equal(p.user, 'alice');
    assert.equal(p.ppid, 50);
    assert.deepEqual(
      p.ancestors?.map((a) => [a.pid, a.binary]),
      [
        [50, '/usr/bin/bash'],
        [1, '/usr/lib/systemd/systemd'],
      ],
    );
    assert.equal(p.containerId, CONTAINER);
    assert.equal(p.containerRuntime, 'docker');
    assert.equal(e.stats().misses, 0);
  });

  test('a kernel thread is known without binary or argv', () => {
    const e = enricher({}, hostProc());
    e.seedFromProc();
    const p = eventOf(e, { pid: 2, startNs: 5 * TICK + 1 }).process;
    assert.ok(p.execId);
    assert.equal('binary' in p, false);
    assert.equal('argv' in p, false);
  });

  test('a child of a pre-existing shell descends from the shell read from /proc', () => {
    const e = enricher({}, hostProc());
    e.seedFromProc();
    const bash = { pid: 50, startNs: 900 * TICK + 77 };
    const child = { pid: 70, startNs: 40 * S };
    feed(e, forkEvent(40 * S, child, bash));
    const cat = feed(
      e,
      execEvent({ ktime: 40 * S + MS, process: child, parent: bash, binary: '/usr/bin/cat', argv: ['cat'] }),
    );
    assert.equal(cat.process.parentExecId, formatExecId(HOST, 900 * TICK, 50));
    assert.deepEqual(
      cat.process.ancestors?.map((a) => a.pid),
      [50, 1],
    );
  });

  test('an exec already seen in /proc (read while its event waited in the ring) keeps its exec id; a later one does not', () => {
    const e = enricher({}, hostProc());
    e.seedFromProc();
    const sleep = { pid: 60, startNs: 1000 * TICK + 5 };
    const seededId = formatExecId(HOST, 1000 * TICK, 60);
    const same = feed(
      e,
      execEvent({
        ktime: 10 * S + 1,
        process: sleep,
        parent: { pid: 50, startNs: 900 * TICK },
        binary: '/usr/bin/sleep',
        argv: ['sleep', '30'],
      }),
    );
    assert.equal(same.process.execId, seededId);
    assert.equal(e.stats().seedsConfirmed, 1);
    const again = feed(
      e,
      execEvent({
        ktime: 10 * S + 2,
        process: sleep,
        parent: { pid: 50, startNs: 900 * TICK },
        binary: '/usr/bin/sleep',
        argv: ['sleep', '30'],
      }),
    );
    assert.notEqual(again.process.execId, seededId, 'once confirmed, an exec is a new image even with the same argv');
    assert.equal(again.process.parentExecId, seededId);
  });

  test('a miss reads /proc once: a live process is added, a gone or reused pid is not retried', () => {
    const proc = hostProc();
    const e = enricher({}, proc);
    e.seedFromProc();
    proc.add({
      pid: 80,
      ppid: 50,
      comm: 'vim',
      startTicks: 2000,
      binary: '/usr/bin/vim',
      argv: ['vim'],
      cwd: '/',
      uid: 0,
    });
    const vim = eventOf(e, { pid: 80, startNs: 2000 * TICK + 9 }).process;
    assert.equal(vim.binary, '/usr/bin/vim');
    assert.equal(vim.user, 'root');
    assert.deepEqual(
      vim.ancestors?.map((a) => a.pid),
      [50, 1],
    );
    eventOf(e, { pid: 80, startNs: 2000 * TICK + 10 });
    let stats = e.stats();
    assert.equal(stats.procFallbacks, 1);
    assert.equal(stats.misses, 1);

    // Same pid, another start time: another process, which /proc no longer shows.
    const reused = { pid: 80, startNs: 1500 * TICK };
    assert.equal('execId' in eventOf(e, reused).process, false);
    assert.equal('execId' in eventOf(e, reused).process, false);
    stats = e.stats();
    assert.equal(stats.unresolved, 2, 'each miss counted unresolved');
    assert.equal(stats.procFallbacks, 1, 'but /proc read for it once');
  });

  test('a miss whose parents are missing too reads them from /proc, as far as ancestry goes', () => {
    const proc = hostProc();
    const e = enricher({}, proc);
    proc.add({ pid: 90, ppid: 60, comm: 'sh', startTicks: 3000, binary: '/usr/bin/dash', argv: ['sh'] });
    const p = eventOf(e, { pid: 90, startNs: 3000 * TICK }).process;
    assert.deepEqual(
      p.ancestors?.map((a) => a.pid),
      [60, 50, 1],
    );
    assert.equal(e.stats().procFallbacks, 4);
  });
});

describe('ProcessEnricher: pods', () => {
  const kubepods = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID.replaceAll('-', '_')}.slice/cri-containerd-${CONTAINER}.scope`;

  class TablePods implements PodMetadataSource {
    version = 0;
    lookups = 0;
    readonly byContainer = new Map<string, PodRef>();
    lookup(containerId: string | undefined): PodRef | undefined {
      this.lookups++;
      return containerId === undefined ? undefined : this.byContainer.get(containerId);
    }
  }

  test('without a pod source a container process carries the pod uid from its cgroup', () => {
    const proc = fakeProc().add({
      pid: 10,
      ppid: 0,
      comm: 'app',
      startTicks: 10,
      binary: '/app',
      argv: ['app'],
      cgroup: kubepods,
    });
    const e = enricher({}, proc);
    e.seedFromProc();
    const p = eventOf(e, { pid: 10, startNs: 10 * 10 * MS }).process;
    assert.deepEqual(p.pod, { uid: POD_UID });
    assert.equal(p.containerRuntime, 'containerd');
  });

  test('pod details appear once the source knows them, looked up again only when its version changes', () => {
    const proc = fakeProc().add({
      pid: 10,
      ppid: 0,
      comm: 'app',
      startTicks: 10,
      binary: '/app',
      argv: ['app'],
      cgroup: kubepods,
    });
    const pods = new TablePods();
    const e = enricher({ pods }, proc);
    e.seedFromProc();
    const key = { pid: 10, startNs: 100 * MS };
    assert.deepEqual(eventOf(e, key).process.pod, { uid: POD_UID });
    eventOf(e, key);
    assert.equal(pods.lookups, 1);
    const pod: PodRef = {
      uid: POD_UID,
      name: 'web-7d4b9c-x2x',
      namespace: 'shop',
      containerName: 'web',
      workload: { kind: 'Deployment', name: 'web' },
    };
    pods.byContainer.set(CONTAINER, pod);
    pods.version++;
    assert.equal(eventOf(e, key).process.pod, pod);
    eventOf(e, key);
    assert.equal(pods.lookups, 2);
  });
});
