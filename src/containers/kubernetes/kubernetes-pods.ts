// Pod metadata from the Kubernetes API: lists this node's pods, then watches them, and keeps
// an index the enricher reads synchronously. A watch that ends is renewed from the last
// resourceVersion; one the server no longer serves (410 Gone) or that fails is followed by
// a fresh list (after a backoff when it failed). Workloads: a pod's controller, and for a
// ReplicaSet or a Job, that object's own controller (Deployment, CronJob), fetched once per
// owner; when the API refuses, a ReplicaSet named <deployment>-<pod-template-hash> is taken
// to belong to that Deployment, as the Deployment controller names them.
import { setTimeout as delay } from 'node:timers/promises';
import type { PodRef, WorkloadRef } from '../../events/references.js';
import { Backoff, type BackoffSettings } from '../../common/backoff.js';
import type { Logger } from '../../telemetry/logger.js';
import type { PodMetadataSource } from '../pod-metadata.js';
import { KubeApiClient, KubernetesApiError, type KubeApiOptions, type WatchEvent } from './kube-api.js';
import { controllerOf, PodIndex, type OwnerReference, type PodObject } from './pod-index.js';
import { EbpipeError } from '../../common/errors.js';

export interface KubernetesPodsOptions extends KubeApiOptions {
  /** Only pods scheduled to this node (spec.nodeName); every pod when absent. */
  nodeName?: string;
  /** How long a deleted pod stays known, for its processes' last events; default 60 s. */
  deletedGraceMs?: number;
  /** The server ends each watch after this long, and it is renewed; default 300. */
  watchTimeoutSeconds?: number;
  /** Waits between failed attempts; default 0.5 s doubling to 30 s, forever. */
  retry?: BackoffSettings;
  logger?: Logger;
}

export interface KubernetesPodsStats {
  pods: number;
  containers: number;
  lists: number;
  watches: number;
  watchEvents: number;
  ownerLookups: number;
  /** Failures by KubernetesApiError code. */
  errors: Record<string, number>;
}

interface ListObject {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: PodObject[];
}

const DEFAULT_RETRY: BackoffSettings = {
  initialIntervalMs: 500,
  maxIntervalMs: 30_000,
  multiplier: 2,
  randomizationFactor: 0.2,
  maxElapsedMs: 0,
};

/** The watch asked for a resourceVersion the server has compacted away: list again. */
class GoneError extends EbpipeError {
  override readonly name = 'GoneError';
  constructor() {
    super('HTTP_410', 'receiving', 'kubernetes api watch: resource version gone');
  }
}

function resourceVersionOf(object: unknown): string | undefined {
  return (object as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
}

export class KubernetesPods implements PodMetadataSource {
  private readonly api: KubeApiClient;
  private readonly index = new PodIndex();
  private readonly abort = new AbortController();
  private readonly selector: string;
  private readonly deletedGraceMs: number;
  private readonly watchTimeoutSeconds: number;
  /** Top workload per `namespace/kind/name` of a ReplicaSet or Job, or its pending lookup. */
  private readonly owners = new Map<string, WorkloadRef | Promise<WorkloadRef>>();
  private readonly removals = new Map<string, NodeJS.Timeout>();
  private readonly counters = { lists: 0, watches: 0, watchEvents: 0, ownerLookups: 0 };
  private readonly errors: Record<string, number> = {};
  private running: Promise<void> | undefined;
  private listed!: () => void;
  /** Resolves once the first list is indexed. */
  readonly ready = new Promise<void>((resolve) => (this.listed = resolve));

  constructor(private readonly options: KubernetesPodsOptions) {
    this.api = new KubeApiClient(options);
    this.selector =
      options.nodeName === undefined ? '' : `&fieldSelector=${encodeURIComponent(`spec.nodeName=${options.nodeName}`)}`;
    this.deletedGraceMs = options.deletedGraceMs ?? 60_000;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
  }

  get version(): number {
    return this.index.version;
  }

  lookup(containerId: string | undefined, podUid: string | undefined): PodRef | undefined {
    return this.index.lookup(containerId, podUid);
  }

  /** Starts listing and watching in the background; see `ready`. */
  start(): void {
    this.running ??= this.run();
  }

  /** Stops the watch; idempotent. */
  async close(): Promise<void> {
    this.abort.abort();
    for (const timer of this.removals.values()) clearTimeout(timer);
    this.removals.clear();
    await this.running;
  }

  stats(): KubernetesPodsStats {
    return { pods: this.index.pods, containers: this.index.containers, ...this.counters, errors: { ...this.errors } };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let backoff = new Backoff(this.options.retry ?? DEFAULT_RETRY);
    while (!signal.aborted) {
      try {
        let resourceVersion = await this.list(signal);
        this.listed();
        backoff = new Backoff(this.options.retry ?? DEFAULT_RETRY);
        for (;;) resourceVersion = await this.watchFrom(resourceVersion, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GoneError) continue;
        const code = err instanceof KubernetesApiError ? err.code : 'UNEXPECTED';
        this.errors[code] = (this.errors[code] ?? 0) + 1;
        this.options.logger?.warn({ err, code }, 'kubernetes pods: list or watch failed, retrying');
        const wait = backoff.next() ?? this.options.retry?.maxIntervalMs ?? DEFAULT_RETRY.maxIntervalMs;
        await delay(wait, undefined, { signal, ref: false }).catch(() => undefined); // close() cuts the wait short
      }
    }
  }

  /** Lists every pod (in pages), indexes them, forgets pods that are gone; returns the list's resourceVersion. */
  private async list(signal: AbortSignal): Promise<string> {
    const seen = new Set<string>();
    let next = '';
    let resourceVersion: string | undefined;
    do {
      const page = (await this.api.getJson(`/api/v1/pods?limit=500${this.selector}${next}`, signal)) as ListObject;
      for (const pod of page.items ?? []) {
        if (this.upsert(pod)) seen.add(pod.metadata!.uid!);
      }
      resourceVersion = page.metadata?.resourceVersion;
      next = page.metadata?.continue ? `&continue=${encodeURIComponent(page.metadata.continue)}` : '';
    } while (next !== '');
    this.counters.lists++;
    for (const uid of this.index.uids()) if (!seen.has(uid)) this.removeLater(uid);
    if (resourceVersion === undefined)
      throw new KubernetesApiError('BAD_JSON', 'kubernetes api /api/v1/pods: list has no metadata.resourceVersion');
    return resourceVersion;
  }

  /** One watch request; returns the last resourceVersion seen when the server ends it. */
  private async watchFrom(resourceVersion: string, signal: AbortSignal): Promise<string> {
    this.counters.watches++;
    const started = Date.now();
    const eventsBefore = this.counters.watchEvents;
    let latest = resourceVersion;
    const path = `/api/v1/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=${this.watchTimeoutSeconds}&resourceVersion=${encodeURIComponent(resourceVersion)}${this.selector}`;
    try {
      await this.api.watch(
        path,
        (event: WatchEvent) => {
          this.counters.watchEvents++;
          if (event.type === 'ERROR') {
            const status = event.object as { code?: number; message?: string };
            if (status.code === 410) throw new GoneError();
            throw new KubernetesApiError(
              `HTTP_${status.code ?? 0}`,
              `kubernetes api watch: ${status.message ?? 'error event'}`,
              status.code,
            );
          }
          latest = resourceVersionOf(event.object) ?? latest;
          const pod = event.object as PodObject;
          if (event.type === 'DELETED') {
            if (pod.metadata?.uid !== undefined) this.removeLater(pod.metadata.uid);
          } else if (event.type !== 'BOOKMARK') {
            this.upsert(pod);
          }
        },
        signal,
      );
    } catch (err) {
      if (err instanceof KubernetesApiError && err.status === 410) throw new GoneError();
      throw err;
    }
    // A server (or proxy) that ends watches at once would otherwise be asked again in a tight loop.
    if (this.counters.watchEvents === eventsBefore && Date.now() - started < 1000) {
      throw new KubernetesApiError('WATCH_CLOSED', 'kubernetes api watch: closed at once without events');
    }
    return latest;
  }

  private upsert(pod: PodObject): boolean {
    const uid = pod.metadata?.uid;
    if (uid === undefined) return false;
    const timer = this.removals.get(uid);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.removals.delete(uid);
    }
    const direct = controllerOf(pod.metadata?.ownerReferences);
    const owner = direct === undefined ? undefined : this.workloadOf(pod, direct);
    if (owner instanceof Promise) {
      this.index.upsert(pod, direct);
      void owner.then((workload) => this.index.setWorkload(uid, workload));
    } else {
      this.index.upsert(pod, owner);
    }
    return true;
  }

  private removeLater(uid: string): void {
    if (this.removals.has(uid)) return;
    const timer = setTimeout(() => {
      this.removals.delete(uid);
      this.index.remove(uid);
    }, this.deletedGraceMs);
    timer.unref();
    this.removals.set(uid, timer);
  }

  /** The workload at the top of a pod's owner chain: known, being fetched, or the controller itself. */
  private workloadOf(pod: PodObject, direct: WorkloadRef): WorkloadRef | Promise<WorkloadRef> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const path =
      direct.kind === 'ReplicaSet'
        ? `/apis/apps/v1/namespaces/${namespace}/replicasets/${direct.name}`
        : direct.kind === 'Job'
          ? `/apis/batch/v1/namespaces/${namespace}/jobs/${direct.name}`
          : undefined;
    if (path === undefined) return direct;
    const key = `${namespace}/${direct.kind}/${direct.name}`;
    const known = this.owners.get(key);
    if (known !== undefined) return known;
    if (this.owners.size >= 10_000) this.owners.clear();
    const lookup = this.fetchOwner(path, direct, pod).then((workload) => {
      this.owners.set(key, workload);
      return workload;
    });
    this.owners.set(key, lookup);
    return lookup;
  }

  private async fetchOwner(path: string, direct: WorkloadRef, pod: PodObject): Promise<WorkloadRef> {
    this.counters.ownerLookups++;
    try {
      const owner = (await this.api.getJson(path, this.abort.signal)) as {
        metadata?: { ownerReferences?: OwnerReference[] };
      };
      return controllerOf(owner.metadata?.ownerReferences) ?? direct;
    } catch (err) {
      const code = err instanceof KubernetesApiError ? err.code : 'UNEXPECTED';
      this.errors[code] = (this.errors[code] ?? 0) + 1;
      this.options.logger?.warn(
        { err, code, owner: direct },
        'kubernetes pods: owner lookup failed, guessing from names',
      );
      const hash = pod.metadata?.labels?.['pod-template-hash'];
      if (direct.kind === 'ReplicaSet' && hash !== undefined && direct.name.endsWith(`-${hash}`)) {
        return { kind: 'Deployment', name: direct.name.slice(0, -hash.length - 1) };
      }
      return direct;
    }
  }
}
