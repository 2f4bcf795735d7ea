// The seam between the process enricher and whatever knows about pods (the Kubernetes API
// provider, or a test's table). Lookups are synchronous map reads: providers fetch in the
// background and bump `version` whenever an answer may have changed.
import type { PodRef } from '../events/references.js';

export interface PodMetadataSource {
  /** Changes whenever a lookup may answer differently; callers re-look-up only then. */
  readonly version: number;
  /** The pod of a container (its id from the cgroup path), or of a pod uid when the container is unknown. */
  lookup(containerId: string | undefined, podUid: string | undefined): PodRef | undefined;
}
