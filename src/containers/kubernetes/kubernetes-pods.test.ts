// The pod provider against an API server on 127.0.0.1 that answers with recorded API
// responses (src/testing/kubernetes-api.ts): list, watch (events, bookmark, 410 Expired), owners.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  containerIds,
  KUBERNETES_TOKEN,
  listen,
  podUid,
  RecordedKubernetesApi,
  recordedWatchLines,
  startRecordedPods,
} from '../../testing/kubernetes-api.js';
import { until } from '../../testing/wait.js';
import { KubernetesPods, type KubernetesPodsOptions } from './kubernetes-pods.js';

const files = mkdtempSync(join(tmpdir(), 'ebpipe-k8s-'));
const tokenFile = join(files, 'token');
writeFileSync(tokenFile, `${KUBERNETES_TOKEN}\n`);

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function startApi(
  options: Partial<KubernetesPodsOptions> = {},
  api = new RecordedKubernetesApi(),
): Promise<{ api: RecordedKubernetesApi; pods: KubernetesPods }> {
  const started = await startRecordedPods({ tokenFile, ...options }, api);
  closers.push(started.close);
  return started;
}

describe('KubernetesPods against recorded API responses', () => {
  test("lists this node's pods and names each container's pod, labels and workload", async () => {
    const { api, pods } = await startApi();
    await pods.ready;
    const list = api.urls('list')[0]!;
    assert.equal(list.searchParams.get('fieldSelector'), 'spec.nodeName=node-a');
    assert.ok(
      api.requests.every((r) => r.auth === `Bearer ${KUBERNETES_TOKEN}`),
      'every request carries the token',
    );

    const web = await until('the web deployment', () => {
      const pod = pods.lookup(containerIds['web-7d4b9c6f8-x2x9q/web'], undefined);
      return pod?.workload?.kind === 'Deployment' ? pod : undefined;
    });
    assert.deepEqual(web, {
      uid: podUid('web-7d4b9c6f8-x2x9q'),
      name: 'web-7d4b9c6f8-x2x9q',
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': '7d4b9c6f8' },
      containerName: 'web',
      workload: { kind: 'Deployment', name: 'web' },
    });
    assert.equal(pods.lookup(containerIds['web-7d4b9c6f8-x2x9q/istio-proxy'], undefined)?.containerName, 'istio-proxy');
    assert.equal(
      pods.lookup(containerIds['web-7d4b9c6f8-x2x9q/istio-init'], undefined)?.containerName,
      'istio-init',
      'init containers too',
    );

    const workload = (pod: string, container: string) =>
      pods.lookup(containerIds[`${pod}/${container}`], undefined)?.workload;
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
    assert.equal(pods.stats().errors['HTTP_403'], 1);
    // One lookup per owner, though two pods share the web ReplicaSet.
    assert.equal(api.requests.filter((r) => r.url.includes('/replicasets/web-7d4b9c6f8')).length, 1);

    // A pod whose containers have no id yet is known by uid.
    const pending = pods.lookup('f'.repeat(64), podUid('web-7d4b9c6f8-pend1'));
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
    assert.equal(pods.lookup(containerIds['debug/shell'], undefined)?.name, 'debug');
    await until('the deleted pod to go', () =>
      pods.lookup(containerIds['debug/shell'], undefined) === undefined ? true : undefined,
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
    await until('two failures', () => ((pods.stats().errors['HTTP_401'] ?? 0) >= 2 ? true : undefined));
    assert.equal(pods.stats().pods, 0);
    await pods.close();
    const failures = pods.stats().errors['HTTP_401'];
    await delay(60);
    assert.equal(pods.stats().errors['HTTP_401'], failures);
  });

  test('watches that end at once without events are failures: backoff and a fresh list, not a tight loop', async () => {
    const retry = { initialIntervalMs: 50, maxIntervalMs: 50, multiplier: 1, randomizationFactor: 0, maxElapsedMs: 0 };
    const { api, pods } = await startApi({ retry }, new RecordedKubernetesApi(true));
    await pods.ready;
    await delay(300);
    const watches = api.urls('watch').length;
    assert.ok(watches >= 2 && watches <= 8, `${watches} watches in 300 ms`);
    const lists = api.urls('list').length;
    assert.ok(lists === watches || lists === watches + 1, `each failed watch is followed by a list (${lists} lists)`);
    assert.ok((pods.stats().errors['WATCH_CLOSED'] ?? 0) >= 2);
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
    const api = new RecordedKubernetesApi();
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
    assert.equal(trusted.lookup(containerIds['db-0/postgres'], undefined)?.name, 'db-0');
    await until('a refused connection', () => ((untrusted.stats().errors['NETWORK'] ?? 0) >= 1 ? true : undefined));
    assert.equal(untrusted.stats().pods, 0);
  });
});

function lateId(): string {
  return containerIdIn(recordedWatchLines[0]!);
}
function pendingId(): string {
  return containerIdIn(recordedWatchLines[1]!);
}
function containerIdIn(line: string): string {
  const pod = (JSON.parse(line) as { object: { status: { containerStatuses: { containerID?: string }[] } } }).object;
  return pod.status.containerStatuses.find((s) => s.containerID)!.containerID!.split('://')[1]!;
}
