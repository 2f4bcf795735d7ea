// The pod provider against a simulated API server on 127.0.0.1 that answers with recorded
// API responses (test/fixtures/k8s): list, watch (events, bookmark, 410 Expired), owners.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { PodRef } from '../../events/references.js';
import { projectRoot } from '../../common/paths.js';
import { CgroupDirectory } from '../cgroup-directory.js';
import { FakeProc } from '../../processes/fake-proc.js';
import { UserNames } from '../../processes/user-names.js';
import { ProcessEnricher } from '../../processors/enrich/process-enricher.js';
import { exitEvent } from '../../processors/enrich/synthetic-events.js';
import { KubernetesPods, type KubernetesPodsOptions } from './kubernetes-pods.js';
import type { PodObject } from './pod-index.js';

const FIXTURES = join(projectRoot, 'test', 'fixtures', 'k8s');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const podList = JSON.parse(fixture('pods-list.json')) as { items: PodObject[] };
const watchLines = fixture('watch-events.jsonl').trim().split('\n');

const TOKEN = 'test-token';
const files = mkdtempSync(join(tmpdir(), 'ebpipe-k8s-'));
const tokenFile = join(files, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`);

const ids: Record<string, string> = {};
for (const item of podList.items) {
  for (const s of (item.status?.containerStatuses ?? []).concat(item.status?.initContainerStatuses ?? [])) {
    const status = s as { name: string; containerID?: string };
    if (status.containerID) ids[`${item.metadata!.name}/${status.name}`] = status.containerID.split('://')[1]!;
  }
}
const uidOf = (name: string): string => podList.items.find((p) => p.metadata?.name === name)!.metadata!.uid!;

/** An API server's behaviour for pods, from the recorded responses. */
class SimulatedApi {
  readonly requests: { url: string; auth: string | undefined }[] = [];
  private readonly pods = new Map<string, PodObject>(podList.items.map((p) => [p.metadata!.uid!, p]));
  private resourceVersion = '1010';
  private watches = 0;
  private readonly held: ServerResponse[] = [];

  /** @param emptyWatches answer every watch with an empty body at once, as a misbehaving proxy might */
  constructor(private readonly emptyWatches = false) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.requests.push({ url: req.url ?? '', auth: req.headers.authorization });
    const url = new URL(req.url ?? '/', 'http://api');
    const json = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      json(
        401,
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
      );
      return;
    }
    if (url.pathname === '/api/v1/pods' && url.searchParams.get('watch') === '1') {
      this.watches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (this.emptyWatches) {
        res.end();
      } else if (this.watches === 1) {
        // The recorded events, then the server ends the watch (its timeout).
        for (const line of watchLines) this.apply(JSON.parse(line) as { type: string; object: PodObject });
        res.end(`${watchLines.join('\n')}\n`);
      } else if (this.watches === 2) {
        this.resourceVersion = '1500'; // compaction: 1020 is too old now
        res.end(fixture('watch-expired.jsonl'));
      } else {
        this.held.push(res); // an idle watch, open until the test ends
      }
      return;
    }
    if (url.pathname === '/api/v1/pods') {
      json(
        200,
        JSON.stringify({
          kind: 'PodList',
          apiVersion: 'v1',
          metadata: { resourceVersion: this.resourceVersion },
          items: [...this.pods.values()],
        }),
      );
      return;
    }
    const routes: Record<string, [number, string]> = {
      '/apis/apps/v1/namespaces/shop/replicasets/web-7d4b9c6f8': [200, fixture('replicaset-web.json')],
      '/apis/apps/v1/namespaces/shop/replicasets/api-5f6d7c8b9': [403, fixture('status-forbidden.json')],
      '/apis/batch/v1/namespaces/ops/jobs/report-28890000': [200, fixture('job-report.json')],
    };
    const route = routes[url.pathname];
    if (route) json(...route);
    else
      json(404, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}');
  };

  urls(kind: 'list' | 'watch'): URL[] {
    return this.requests
      .map((r) => new URL(r.url, 'http://api'))
      .filter((u) => u.pathname === '/api/v1/pods' && (u.searchParams.get('watch') === '1') === (kind === 'watch'));
  }

  endHeld(): void {
    for (const res of this.held) res.end();
  }

  private apply(event: { type: string; object: PodObject }): void {
    const uid = event.object.metadata?.uid;
    if (uid === undefined) return;
    if (event.type === 'DELETED') this.pods.delete(uid);
    else this.pods.set(uid, event.object);
  }
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function startApi(
  options: Partial<KubernetesPodsOptions> = {},
  api = new SimulatedApi(),
): Promise<{ api: SimulatedApi; pods: KubernetesPods }> {
  const server = createHttpServer(api.handle);
  const port = await listen(server);
  const pods = new KubernetesPods({
    server: `http://127.0.0.1:${port}`,
    tokenFile,
    nodeName: 'node-a',
    deletedGraceMs: 200,
    ...options,
  });
  closers.push(async () => {
    api.endHeld();
    await pods.close();
    server.closeAllConnections();
    server.close();
  });
  pods.start();
  return { api, pods };
}

describe('KubernetesPods against recorded API responses', () => {
  test("lists this node's pods and names each container's pod, labels and workload", async () => {
    const { api, pods } = await startApi();
    await pods.ready;
    const list = api.urls('list')[0]!;
    assert.equal(list.searchParams.get('fieldSelector'), 'spec.nodeName=node-a');
    assert.ok(
      api.requests.every((r) => r.auth === `Bearer ${TOKEN}`),
      'every request carries the token',
    );

    const web = await until('the web deployment', () => {
      const pod = pods.lookup(ids['web-7d4b9c6f8-x2x9q/web'], undefined);
      return pod?.workload?.kind === 'Deployment' ? pod : undefined;
    });
    assert.deepEqual(web, {
      uid: uidOf('web-7d4b9c6f8-x2x9q'),
      name: 'web-7d4b9c6f8-x2x9q',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d4b9c6f8' },
      containerName: 'web',
      workload: { kind: 'Deployment', name: 'web' },
    });
    assert.equal(pods.lookup(ids['web-7d4b9c6f8-x2x9q/istio-proxy'], undefined)?.containerName, 'istio-proxy');
    assert.equal(
      pods.lookup(ids['web-7d4b9c6f8-x2x9q/istio-init'], undefined)?.containerName,
      'istio-init',
      'init containers too',
    );

    const workload = (pod: string, container: string) => pods.lookup(ids[`${pod}/${container}`], undefined)?.workload;
    assert.deepEqual(workload('db-0', 'postgres'), { kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(workload('node-agent-5kq2p', 'agent'), { kind: 'DaemonSet', name: 'node-agent' });
    await until('the cronjob', () =>
      workload('report-28890000-abcde', 'report')?.kind === 'CronJob' ? true : undefined,
    );
    assert.deepEqual(workload('report-28890000-abcde', 'report'), { kind: 'CronJob', name: 'report' });
    assert.equal(workload('debug', 'shell'), undefined, 'a bare pod has no workload');
    // The API refuses the ReplicaSet: the Deployment is taken from the pod-template-hash naming.
    await until('the guessed deployment', () =>
      workload('api-5f6d7c8b9-qwert', 'api')?.kind === 'Deployment' ? true : undefined,
    );
    assert.deepEqual(workload('api-5f6d7c8b9-qwert', 'api'), { kind: 'Deployment', name: 'api' });
    assert.equal(pods.stats().errors['http_403'], 1);
    // One lookup per owner, though two pods share the web ReplicaSet.
    assert.equal(api.requests.filter((r) => r.url.includes('/replicasets/web-7d4b9c6f8')).length, 1);

    // A pod whose containers have no id yet is known by uid.
    const pending = pods.lookup('f'.repeat(64), uidOf('web-7d4b9c6f8-pend1'));
    assert.equal(pending?.name, 'web-7d4b9c6f8-pend1');
    assert.equal(pending?.containerName, undefined);
  });

  test('follows the watch: added and modified pods appear, deleted ones go after a grace period, 410 relists', async () => {
    const { api, pods } = await startApi();
    const late = await until('the pod added by the watch', () => pods.lookup(lateId(), undefined));
    assert.equal(late.name, 'web-7d4b9c6f8-late1');
    assert.equal(
      pods.lookup(pendingId(), undefined)?.containerName,
      'web',
      'the modified pod now has its container id',
    );
    // Deleted, but its processes' last events may still come: known for deletedGraceMs.
    assert.equal(pods.lookup(ids['debug/shell'], undefined)?.name, 'debug');
    await until('the deleted pod to go', () =>
      pods.lookup(ids['debug/shell'], undefined) === undefined ? true : undefined,
    );

    // Watch 1 ends after a bookmark; watch 2 resumes from it and gets 410; a list; watch 3 resumes from that list.
    await until('three watches', () => (api.urls('watch').length >= 3 ? true : undefined));
    const watches = api.urls('watch').map((u) => u.searchParams.get('resourceVersion'));
    assert.deepEqual(watches.slice(0, 3), ['1010', '1020', '1500']);
    assert.equal(api.urls('list').length, 2);
    assert.ok(
      api
        .urls('watch')
        .every(
          (u) =>
            u.searchParams.get('allowWatchBookmarks') === 'true' &&
            u.searchParams.get('fieldSelector') === 'spec.nodeName=node-a',
        ),
    );
    assert.equal(pods.lookup(lateId(), undefined)?.name, 'web-7d4b9c6f8-late1', 'still known after the relist');
    assert.equal(pods.stats().lists, 2);
  });

  test('a wrong token is reported and retried, never crashing; close() stops the retries', async () => {
    const badToken = join(files, 'bad-token');
    writeFileSync(badToken, 'nope');
    const { pods } = await startApi({
      tokenFile: badToken,
      retry: { initialIntervalMs: 10, maxIntervalMs: 20, multiplier: 2, randomizationFactor: 0, maxElapsedMs: 0 },
    });
    await until('two failures', () => ((pods.stats().errors['http_401'] ?? 0) >= 2 ? true : undefined));
    assert.equal(pods.stats().pods, 0);
    await pods.close();
    const failures = pods.stats().errors['http_401'];
    await delay(60);
    assert.equal(pods.stats().errors['http_401'], failures);
  });

  test('watches that end at once without events are failures: backoff and a fresh list, not a tight loop', async () => {
    const retry = { initialIntervalMs: 50, maxIntervalMs: 50, multiplier: 1, randomizationFactor: 0, maxElapsedMs: 0 };
    const { api, pods } = await startApi({ retry }, new SimulatedApi(true));
    await pods.ready;
    await delay(300);
    const watches = api.urls('watch').length;
    assert.ok(watches >= 2 && watches <= 8, `${watches} watches in 300 ms`);
    const lists = api.urls('list').length;
    assert.ok(lists === watches || lists === watches + 1, `each failed watch is followed by a list (${lists} lists)`);
    assert.ok((pods.stats().errors['watch_closed'] ?? 0) >= 2);
  });

  test('https with the cluster CA file: verified; without it the connection is refused and counted', async () => {
    const cert = join(files, 'server.crt');
    const key = join(files, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const api = new SimulatedApi();
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, api.handle);
    const port = await listen(server);
    const trusted = new KubernetesPods({ server: `https://127.0.0.1:${port}`, tokenFile, caFile: cert });
    const untrusted = new KubernetesPods({
      server: `https://127.0.0.1:${port}`,
      tokenFile,
      retry: { initialIntervalMs: 10, maxIntervalMs: 20, multiplier: 2, randomizationFactor: 0, maxElapsedMs: 0 },
    });
    closers.push(async () => {
      api.endHeld();
      await trusted.close();
      await untrusted.close();
      server.closeAllConnections();
      server.close();
    });
    trusted.start();
    untrusted.start();
    await trusted.ready;
    assert.equal(trusted.lookup(ids['db-0/postgres'], undefined)?.name, 'db-0');
    await until('a refused connection', () => ((untrusted.stats().errors['network'] ?? 0) >= 1 ? true : undefined));
    assert.equal(untrusted.stats().pods, 0);
  });

  test('the enricher gives a container process its pod from the provider', async () => {
    const { pods } = await startApi();
    await pods.ready;
    const id = ids['web-7d4b9c6f8-x2x9q/web']!;
    const uid = uidOf('web-7d4b9c6f8-x2x9q');
    const proc = new FakeProc().add({
      pid: 4000,
      ppid: 0,
      comm: 'nginx',
      startTicks: 500,
      binary: '/usr/sbin/nginx',
      argv: ['nginx'],
      cgroup: `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid.replaceAll('-', '_')}.slice/cri-containerd-${id}.scope`,
    });
    closers.push(async () => proc.dispose());
    const enricher = new ProcessEnricher({
      host: 'node-a:0',
      procRoot: proc.root,
      cgroups: new CgroupDirectory({ procRoot: proc.root, mountPoint: undefined, hybrid: false }),
      users: new UserNames({ path: join(files, 'no-passwd') }),
      pods,
    });
    enricher.seedFromProc();
    const pod = await until('the pod on the event', () => {
      const event = exitEvent(1e9, { pid: 4000, startNs: 500 * 1e7 });
      enricher.enrich(event);
      // Until the ReplicaSet's owner is fetched, the workload is the ReplicaSet.
      return event.process.pod?.workload?.kind === 'Deployment' ? event.process.pod : undefined;
    });
    const expected: PodRef = {
      uid,
      name: 'web-7d4b9c6f8-x2x9q',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d4b9c6f8' },
      containerName: 'web',
      workload: { kind: 'Deployment', name: 'web' },
    };
    assert.deepEqual(pod, expected);
  });
});

function lateId(): string {
  return containerIdIn(watchLines[0]!);
}
function pendingId(): string {
  return containerIdIn(watchLines[1]!);
}
function containerIdIn(line: string): string {
  const pod = (JSON.parse(line) as { object: { status: { containerStatuses: { containerID?: string }[] } } }).object;
  return pod.status.containerStatuses.find((s) => s.containerID)!.containerID!.split('://')[1]!;
}
