// OCSF objects made from a record's attributes: the processes (the event's own, its parent and
// ancestry, the actor), users, files, network endpoints; and, once per resource, the device and
// the product that every event of this agent shares.
import { createHash } from 'node:crypto';
import type { Resource } from '@opentelemetry/resources';
import { version } from '../../common/version.js';
import type { AttributeReader } from './attribute-reader.js';
import type { OcsfObject } from './ocsf-event.js';

const PRODUCT: OcsfObject = { name: 'ebpipe', vendor_name: 'ebpipe', uid: 'ebpipe', version };

/** What every event of one agent (one resource) shares: the device, the product, the reporter. */
export interface HostContext {
  readonly device: OcsfObject;
  readonly product: OcsfObject;
  readonly reporter: OcsfObject;
  /** host.id, or the agent's instance id without one: what process identifiers are unique within. */
  readonly hostUid: string;
  /** Resource attributes the device and reporter do not hold, kept under `unmapped` as `resource.<key>`. */
  readonly unmapped: Readonly<Record<string, string | number | boolean>>;
}

const RESOURCE_MAPPED = new Set([
  'host.name',
  'host.id',
  'host.arch',
  'os.type',
  'os.version',
  'service.name',
  'service.version',
  'service.instance.id',
]);

/** The semantic conventions' host.arch as OCSF's cpu_architecture_id. */
const CPU_ARCHITECTURES: Readonly<Record<string, readonly [number, string]>> = {
  amd64: [1, 'x86'],
  x86: [1, 'x86'],
  arm64: [2, 'ARM'],
  arm32: [2, 'ARM'],
};

function hardwareOf(arch: string | undefined): OcsfObject | undefined {
  if (arch === undefined) return undefined;
  const [id, name] = CPU_ARCHITECTURES[arch] ?? [99, 'Other'];
  return { cpu_architecture_id: id, cpu_architecture: name, cpu_type: arch };
}

const hosts = new WeakMap<Resource, HostContext>();

export function hostContext(resource: Resource): HostContext {
  let host = hosts.get(resource);
  if (host) return host;
  const attrs = resource.attributes;
  const text = (key: string): string | undefined => {
    const v = attrs[key];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const hostname = text('host.name');
  const instance = text('service.instance.id');
  const unmapped: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (
      !RESOURCE_MAPPED.has(key) &&
      (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    )
      unmapped[`resource.${key}`] = value;
  }
  const osType = text('os.type');
  host = {
    device: {
      hostname,
      name: hostname,
      uid: text('host.id'),
      // Server, desktop or virtual machine is not something the agent can tell.
      type_id: 0,
      type: 'Unknown',
      hw_info: hardwareOf(text('host.arch')),
      os: {
        name: osType === 'linux' ? 'Linux' : (osType ?? 'Unknown'),
        type_id: osType === 'linux' ? 200 : 0,
        type: osType === 'linux' ? 'Linux' : 'Unknown',
        kernel_release: text('os.version'),
      },
    },
    product: PRODUCT,
    reporter: { name: text('service.name') ?? 'ebpipe', hostname, uid: instance },
    hostUid: text('host.id') ?? instance ?? '',
    unmapped,
  };
  hosts.set(resource, host);
  return host;
}

/** A name-based (version 5 layout) UUID of the process image on its host: the same for every event of it. */
const cpids = new Map<string, string>();
function cpidOf(hostUid: string, execId: string): string {
  const key = `${hostUid}/${execId}`;
  let cpid = cpids.get(key);
  if (cpid === undefined) {
    if (cpids.size >= 4096) cpids.clear();
    const h = createHash('sha1').update(key).digest();
    h[6] = (h[6]! & 0x0f) | 0x50;
    h[8] = (h[8]! & 0x3f) | 0x80;
    const hex = h.toString('hex', 0, 16);
    cpid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
    cpids.set(key, cpid);
  }
  return cpid;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The extension without its dot, for names that have one (not a leading dot: `.bashrc` has none). */
function extensionOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : undefined;
}

/** A file named by a path; `typeId` when the event says what it is (OCSF file type_id). */
export function fileOf(path: string, typeId = 0, extra: OcsfObject = {}): OcsfObject {
  const name = baseName(path) || path;
  return {
    name,
    path: path.startsWith('/') ? path : undefined,
    ext: extensionOf(name),
    type_id: typeId,
    type: FILE_TYPES[typeId] ?? 'Unknown',
    ...extra,
  };
}

const FILE_TYPES: Readonly<Record<number, string>> = { 0: 'Unknown', 1: 'Regular File', 2: 'Folder' };
export const REGULAR_FILE = 1;
export const FOLDER = 2;

/** OCSF user type by the uid ranges of Debian's login.defs: root, system accounts, people. */
function userType(uid: number): readonly [number, string] {
  if (uid === 0) return [2, 'Admin'];
  if (uid < 1000 || uid === 65534) return [3, 'System'];
  return [1, 'User'];
}

export function userOf(uid: number | undefined, name?: string): OcsfObject | undefined {
  if (uid === undefined) return name === undefined ? undefined : { name };
  const [typeId, type] = userType(uid);
  return { uid: String(uid), name, type_id: typeId, type };
}

/** Builds process objects from one record's attributes. */
export class ProcessObjects {
  constructor(
    private readonly r: AttributeReader,
    private readonly host: HostContext,
    /** Milliseconds since the epoch of the event. */
    private readonly time: number,
  ) {}

  /** The user the event's process runs as: its real uid, named from the host's passwd. */
  user(): OcsfObject | undefined {
    return userOf(this.r.int('process.real_user.id'), this.r.str('process.real_user.name'));
  }

  /** The image this one came from (exec) or the parent (fork and every other event), with its own parent. */
  parent(): OcsfObject | undefined {
    const r = this.r;
    const pid = r.int('process.parent_pid');
    const execId = r.str('ebpipe.parent_exec_id');
    if (pid === undefined && execId === undefined) return undefined;
    const ancestors = this.ancestry();
    const nearest = ancestors?.[0];
    const binary = nearest?.['path'];
    return {
      pid: nearest?.['pid'] ?? pid,
      uid: execId,
      cpid: execId === undefined ? undefined : cpidOf(this.host.hostUid, execId),
      name: nearest?.['name'],
      file: typeof binary === 'string' ? fileOf(binary, REGULAR_FILE) : undefined,
      parent_process: ancestors?.[1],
    };
  }

  /** ebpipe.ancestors.*, nearest first, as OCSF process entities (pid, exec id, executable path). */
  ancestry(): OcsfObject[] | undefined {
    const r = this.r;
    const execIds = r.strs('ebpipe.ancestors.exec_ids');
    if (!execIds) return undefined;
    const pids = r.ints('ebpipe.ancestors.pids') ?? [];
    const binaries = r.strs('ebpipe.ancestors.binaries') ?? [];
    return execIds.map((execId, i) => {
      const binary = binaries[i] || undefined;
      return {
        pid: pids[i],
        uid: execId,
        cpid: cpidOf(this.host.hostUid, execId),
        name: binary === undefined ? undefined : baseName(binary),
        path: binary,
      };
    });
  }

  /** The container the process runs in, from its cgroup and the Kubernetes API. */
  container(): OcsfObject | undefined {
    const r = this.r;
    const uid = r.str('container.id');
    if (uid === undefined) return undefined;
    const podUid = r.str('k8s.pod.uid');
    return {
      uid,
      name: r.str('k8s.container.name'),
      runtime: r.str('container.runtime.name'),
      pod_uuid: podUid,
      orchestrator: podUid === undefined ? undefined : 'Kubernetes',
    };
  }

  /**
   * The event's own process: `launched` when the event is its start (its creation time is the
   * event's), `parent` when the caller already built it.
   */
  subject(opts: { launched?: boolean; parent?: OcsfObject | undefined } = {}): OcsfObject {
    const r = this.r;
    const path = r.str('process.executable.path');
    const args = r.strs('process.command_args');
    r.int('process.args_count'); // argv's length is in cmd_line
    const execId = r.str('ebpipe.exec_id');
    return {
      pid: r.int('process.pid'),
      tid: r.int('ebpipe.tid'),
      name: r.str('process.executable.name') ?? r.str('ebpipe.comm'),
      cmd_line: args?.join(' '),
      path,
      file: path === undefined ? undefined : fileOf(path, REGULAR_FILE),
      uid: execId,
      cpid: execId === undefined ? undefined : cpidOf(this.host.hostUid, execId),
      created_time: opts.launched ? this.time : undefined,
      working_directory: r.str('process.working_directory'),
      user: this.user(),
      parent_process: 'parent' in opts ? opts.parent : this.parent(),
      ancestry: this.ancestry(),
      container: this.container(),
    };
  }

  /** Who acted: the event's process and its user. */
  actor(process: OcsfObject = this.subject()): OcsfObject {
    return { process, user: process['user'] };
  }
}

/** An address and port as an OCSF network endpoint. */
export function endpointOf(ip: string | undefined, port: number | undefined): OcsfObject | undefined {
  if (ip === undefined && port === undefined) return undefined;
  return { ip, port: port === 0 ? undefined : port };
}
