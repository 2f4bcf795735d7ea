// What a cgroup path says about the processes in it: the container (id and runtime), the
// Kubernetes pod, or the systemd unit. Runtimes name their cgroups in a few known ways:
//   docker      /docker/<id> (cgroupfs driver), .../docker-<id>.scope (systemd driver)
//   containerd  .../cri-containerd-<id>.scope (CRI, systemd driver), .../nerdctl-<id>.scope
//   cri-o       .../crio-<id>.scope, .../crio-<id> (cgroupfs driver)
//   podman      .../libpod-<id>.scope (possibly with a /container child), /libpod_parent/libpod-<id>
//   lxc         /lxc.payload.<name>
//   kubepods    /kubepods[/<qos>]/pod<uid>/<id> (cgroupfs driver: the runtime is not named),
//               /kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_with_underscores>.slice/<runtime>-<id>.scope
// The monitors that run beside a container (crio-conmon-<id>, libpod-conmon-<id>) are not
// the container: they are reported as their systemd unit.

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'lxc' | 'cri';

export interface CgroupIdentity {
  path: string;
  containerId?: string;
  runtime?: ContainerRuntime;
  podUid?: string;
  /** The innermost .service or .scope, for a process outside containers. */
  systemdUnit?: string;
}

const HEX_ID = '([0-9a-f]{64})';

/** Segment patterns that name their runtime, tried on each segment from the innermost. */
const NAMED_SEGMENTS: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [new RegExp(`^docker-${HEX_ID}\\.scope$`), 'docker'],
  [new RegExp(`^cri-containerd-${HEX_ID}\\.scope$`), 'containerd'],
  [new RegExp(`^nerdctl-${HEX_ID}\\.scope$`), 'containerd'],
  [new RegExp(`^crio-${HEX_ID}(?:\\.scope)?$`), 'cri-o'],
  [new RegExp(`^libpod-${HEX_ID}(?:\\.scope)?$`), 'podman'],
  [/^lxc\.payload\.(.+)$/, 'lxc'],
];

const BARE_ID = new RegExp(`^${HEX_ID}$`);
/** pod<uid> (cgroupfs) or kubepods[-<qos>]-pod<uid with _ for ->.slice (systemd). */
const POD_SEGMENT =
  /^(?:kubepods(?:-[a-z]+)?-)?pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?$/;
const UNIT_SEGMENT = /\.(?:service|scope)$/;

function podUidIn(segments: readonly string[]): string | undefined {
  if (!segments.some((s) => s.startsWith('kubepods'))) return undefined;
  for (const segment of segments) {
    const match = POD_SEGMENT.exec(segment);
    if (match) return match[1]!.replaceAll('_', '-');
  }
  return undefined;
}

/** A bare 64-hex segment: docker's cgroupfs layout, or a CRI runtime under a kubepods pod. */
function bareContainer(
  segments: readonly string[],
  at: number,
  podUid: string | undefined,
): ContainerRuntime | undefined {
  if (segments[at - 1] === 'docker') return 'docker';
  if (podUid !== undefined && POD_SEGMENT.test(segments[at - 1] ?? '')) return 'cri';
  return undefined;
}

export function parseCgroupPath(path: string): CgroupIdentity {
  const segments = path.split('/').filter((s) => s !== '');
  const podUid = podUidIn(segments);
  const identity: CgroupIdentity = { path };
  if (podUid !== undefined) identity.podUid = podUid;
  for (let at = segments.length - 1; at >= 0; at--) {
    const segment = segments[at]!;
    for (const [pattern, runtime] of NAMED_SEGMENTS) {
      const match = pattern.exec(segment);
      if (match) return { ...identity, containerId: match[1]!, runtime };
    }
    const bare = BARE_ID.exec(segment);
    const runtime = bare ? bareContainer(segments, at, podUid) : undefined;
    if (bare && runtime) return { ...identity, containerId: bare[1]!, runtime };
  }
  for (let at = segments.length - 1; at >= 0; at--) {
    if (UNIT_SEGMENT.test(segments[at]!)) return { ...identity, systemdUnit: segments[at]! };
  }
  return identity;
}

/**
 * The path to report from /proc/PID/cgroup (`hierarchy:controllers:path` lines): the first
 * that names a container, the cgroup v2 line (`0::`) first; else the v2 path; else (v1
 * only) systemd's named hierarchy; else '/'. A v1 line is looked at because on hybrid hosts
 * a runtime may use only v1 hierarchies.
 */
export function cgroupPathFromProcFile(text: string): string {
  const paths: string[] = [];
  let unified: string | undefined;
  let systemd: string | undefined;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const path = line.slice(second + 1);
    if (line.startsWith('0::')) {
      unified = path;
      paths.unshift(path);
    } else {
      if (line.slice(first + 1, second) === 'name=systemd') systemd = path;
      paths.push(path);
    }
  }
  return paths.find((p) => parseCgroupPath(p).containerId !== undefined) ?? unified ?? systemd ?? '/';
}
