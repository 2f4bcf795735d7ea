// Pods by container id and by uid, built from Pod objects as the API returns them. Pure:
// the provider feeds it list and watch results and owner (workload) answers.
import type { PodRef, WorkloadRef } from '../../events/references.js';

/** The fields of a v1 Pod the index reads. */
export interface PodObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  status?: {
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}

export interface OwnerReference {
  kind?: string;
  name?: string;
  controller?: boolean;
}

interface ContainerStatus {
  name?: string;
  /** `<runtime>://<id>`, e.g. containerd://3f4e...; absent until the container is created. */
  containerID?: string;
}

/** The owner that manages an object: the controller reference. */
export function controllerOf(owners: readonly OwnerReference[] | undefined): WorkloadRef | undefined {
  const owner = owners?.find((o) => o.controller === true);
  return owner?.kind && owner.name ? { kind: owner.kind, name: owner.name } : undefined;
}

interface IndexedPod {
  ref: PodRef;
  containers: Map<string, PodRef>;
}

export class PodIndex {
  /** Bumped at every change, so callers know to look again. */
  version = 0;
  private readonly byUid = new Map<string, IndexedPod>();
  private readonly byContainer = new Map<string, PodRef>();

  get pods(): number {
    return this.byUid.size;
  }

  get containers(): number {
    return this.byContainer.size;
  }

  lookup(containerId: string | undefined, podUid: string | undefined): PodRef | undefined {
    return (
      (containerId === undefined ? undefined : this.byContainer.get(containerId)) ??
      (podUid === undefined ? undefined : this.byUid.get(podUid)?.ref)
    );
  }

  /** Adds or updates a pod; `workload` is what is known of its owner chain so far. Returns false for an object without uid. */
  upsert(pod: PodObject, workload: WorkloadRef | undefined): boolean {
    const meta = pod.metadata;
    if (meta?.uid === undefined) return false;
    this.removeUid(meta.uid);
    const ref: PodRef = { uid: meta.uid };
    if (meta.name !== undefined) ref.name = meta.name;
    if (meta.namespace !== undefined) ref.namespace = meta.namespace;
    if (meta.labels !== undefined) ref.labels = meta.labels;
    if (workload !== undefined) ref.workload = workload;
    const containers = new Map<string, PodRef>();
    const status = pod.status;
    for (const list of [status?.containerStatuses, status?.initContainerStatuses, status?.ephemeralContainerStatuses]) {
      for (const c of list ?? []) {
        const id = c.containerID?.slice(c.containerID.indexOf('://') + 3);
        if (!id || c.name === undefined) continue;
        const containerRef = { ...ref, containerName: c.name };
        containers.set(id, containerRef);
        this.byContainer.set(id, containerRef);
      }
    }
    this.byUid.set(meta.uid, { ref, containers });
    this.version++;
    return true;
  }

  /** Sets the workload of an indexed pod, once its owner chain is known. */
  setWorkload(uid: string, workload: WorkloadRef): void {
    const pod = this.byUid.get(uid);
    if (pod === undefined || pod.ref.workload === workload) return;
    pod.ref = { ...pod.ref, workload };
    for (const [id, ref] of pod.containers) {
      const updated = { ...ref, workload };
      pod.containers.set(id, updated);
      this.byContainer.set(id, updated);
    }
    this.version++;
  }

  remove(uid: string): void {
    if (this.removeUid(uid)) this.version++;
  }

  /** Every pod uid indexed, for a fresh list to find the ones that went away. */
  uids(): string[] {
    return [...this.byUid.keys()];
  }

  private removeUid(uid: string): boolean {
    const old = this.byUid.get(uid);
    if (old === undefined) return false;
    for (const id of old.containers.keys()) this.byContainer.delete(id);
    this.byUid.delete(uid);
    return true;
  }
}
