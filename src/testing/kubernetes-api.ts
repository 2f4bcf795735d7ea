// A Kubernetes API server for tests, answering from responses recorded from a real one
// (test/fixtures/k8s/): one node's pods, a watch that ends, 410 Gone, the owners of workloads.
// No API server can run here; the code under test talks to this one over real HTTP.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { projectRoot } from '../common/paths.js';
import { KubernetesPods, type KubernetesPodsOptions } from '../containers/kubernetes/kubernetes-pods.js';
import type { PodObject } from '../containers/kubernetes/pod-index.js';

const FIXTURES = join(projectRoot, 'test', 'fixtures', 'k8s');

/** A recorded response body. */
const recordedResponse = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const recordedPods = JSON.parse(recordedResponse('pods-list.json')) as { items: PodObject[] };
export const recordedWatchLines = recordedResponse('watch-events.jsonl').trim().split('\n');

/** The bearer token the API accepts. */
export const KUBERNETES_TOKEN = 'test-token';

/** The container ids of the recorded pods, by `pod/container`. */
export const containerIds: Record<string, string> = {};
for (const item of recordedPods.items) {
  for (const s of (item.status?.containerStatuses ?? []).concat(item.status?.initContainerStatuses ?? [])) {
    const status = s as { name: string; containerID?: string };
    if (status.containerID) containerIds[`${item.metadata!.name}/${status.name}`] = status.containerID.split('://')[1]!;
  }
}

export const podUid = (name: string): string =>
  recordedPods.items.find((p) => p.metadata?.name === name)!.metadata!.uid!;

/** An API server's behaviour for pods, from the recorded responses. */
export class RecordedKubernetesApi {
  readonly requests: { url: string; auth: string | undefined }[] = [];
  private readonly pods = new Map<string, PodObject>(recordedPods.items.map((p) => [p.metadata!.uid!, p]));
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
    if (req.headers.authorization !== `Bearer ${KUBERNETES_TOKEN}`) {
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
        for (const line of recordedWatchLines) this.apply(JSON.parse(line) as { type: string; object: PodObject });
        res.end(`${recordedWatchLines.join('\n')}\n`);
      } else if (this.watches === 2) {
        this.resourceVersion = '1500'; // compaction: 1020 is too old now
        res.end(recordedResponse('watch-expired.jsonl'));
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
      '/apis/apps/v1/namespaces/shop/replicasets/web-7d4b9c6f8': [200, recordedResponse('replicaset-web.json')],
      '/apis/apps/v1/namespaces/shop/replicasets/api-5f6d7c8b9': [403, recordedResponse('status-forbidden.json')],
      '/apis/batch/v1/namespaces/ops/jobs/report-28890000': [200, recordedResponse('job-report.json')],
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

/** Starts `server` on a free port of 127.0.0.1. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/**
 * KubernetesPods of node-a against `api` on a local port, started; `close` stops both. The
 * options need at least the file holding KUBERNETES_TOKEN (or another token).
 */
export async function startRecordedPods(
  options: Partial<KubernetesPodsOptions> & { tokenFile: string },
  api = new RecordedKubernetesApi(),
): Promise<{ api: RecordedKubernetesApi; pods: KubernetesPods; close: () => Promise<void> }> {
  const server = createServer(api.handle);
  const port = await listen(server);
  const pods = new KubernetesPods({
    server: `http://127.0.0.1:${port}`,
    nodeName: 'node-a',
    deletedGraceMs: 200,
    ...options,
  });
  pods.start();
  const close = async (): Promise<void> => {
    api.endHeld();
    await pods.close();
    server.closeAllConnections();
    server.close();
  };
  return { api, pods, close };
}
