// The OCSF attributes the schema recommends that ebpipe leaves out, and why: rendered into
// MAPPING.md, and the test of every sample event fails on a recommended attribute left out
// that is not here (or on an entry here that no sample needs any more).
import {
  BASE_EVENT,
  DETECTION_FINDING,
  FILE_ACTIVITY,
  KERNEL_EXTENSION_ACTIVITY,
  NETWORK_ACTIVITY,
  PROCESS_ACTIVITY,
  type OcsfClass,
} from './ocsf-classes.js';

export interface UnfilledAttributes {
  /** Paths in the event without array indexes; `**.` matches any prefix (the attribute wherever its object is). */
  readonly paths: readonly string[];
  /** The classes whose events leave them out; every class when absent. */
  readonly classes?: readonly OcsfClass[];
  readonly why: string;
}

const ALL_BUT_FINDINGS = [PROCESS_ACTIVITY, FILE_ACTIVITY, KERNEL_EXTENSION_ACTIVITY, NETWORK_ACTIVITY, BASE_EVENT];

const ENDPOINT_GAPS = [
  'hostname',
  'instance_uid',
  'interface_name',
  'interface_uid',
  'name',
  'owner',
  'svc_name',
  'type_id',
  'uid',
  'container',
];

export const UNFILLED: readonly UnfilledAttributes[] = [
  {
    paths: ['metadata.original_time'],
    why: 'the events are made by ebpipe, not collected from a log: OCSF says to omit it then',
  },
  { paths: ['metadata.tenant_uid'], why: 'an agent on one host has no tenant' },
  { paths: ['**.reporter.ip'], why: 'the agent does not pick one of the host addresses as its own' },
  {
    paths: [
      '**.device.instance_uid',
      '**.device.interface_name',
      '**.device.interface_uid',
      '**.device.owner',
      '**.device.region',
      '**.device.vendor_name',
    ],
    why: 'not known to the agent: no cloud metadata, no inventory, and events are not tied to an interface',
  },
  {
    paths: ['**.device.container', '**.device.namespace_pid'],
    why: 'the device is the host, not a container: the container is the process one (process.container)',
  },
  {
    paths: ['**.namespace_pid'],
    why: "the kernel sensors report pids as the host sees them, not as the process's pid namespace does",
  },
  { paths: ['**.user.has_mfa', '**.owner.has_mfa'], why: 'a uid says nothing of how its user authenticated' },
  {
    paths: ['**.user.name', '**.owner.name'],
    why: 'only the real uid of the process is named (from passwd); other uids stay numbers',
  },
  { paths: ['**.file.hashes', '**.file_result.hashes'], why: 'ebpipe does not read the files it reports' },
  { paths: ['**.file.ext', '**.file_result.ext'], why: 'names without an extension' },
  {
    paths: ['**.file.path'],
    why: 'names that are not absolute (unresolved relative names) and modules loaded from memory (init_module)',
  },
  {
    paths: ['**.container.hash', '**.container.image', '**.container.size'],
    why: 'the cgroup path names the container only; its image is known to the runtime, not the kernel',
  },
  {
    paths: [
      '**.parent_process.cmd_line',
      '**.parent_process.container',
      '**.parent_process.created_time',
      '**.parent_process.user',
      '**.parent_process.file',
      '**.parent_process.name',
      '**.parent_process.parent_process',
      '**.ancestry.cmd_line',
      '**.ancestry.created_time',
      '**.ancestry.name',
    ],
    why: 'records carry the pid, exec id and binary of the ancestors, not their argv, user, container or start',
  },
  {
    paths: ['actor.process.cmd_line', 'actor.process.file', 'actor.process.name', 'actor.process.parent_process'],
    classes: [PROCESS_ACTIVITY],
    why: "a launch's actor is the image exec replaced or the parent that forked: an ancestor, known by pid, exec id and binary",
  },
  {
    paths: [
      'process.created_time',
      'actor.process.created_time',
      'evidences.process.created_time',
      'evidences.actor.process.created_time',
    ],
    why: "records carry no process start time: only a launch's own time is the process's creation",
  },
  {
    paths: ['exit_code'],
    classes: [PROCESS_ACTIVITY],
    why: 'Terminate only, and not when a signal killed the process (status_detail names the signal)',
  },
  { paths: ['launch_type', 'launch_type_id'], classes: [PROCESS_ACTIVITY], why: 'Launch only' },
  {
    paths: ['actual_permissions', 'requested_permissions'],
    classes: [PROCESS_ACTIVITY],
    why: 'access masks of Windows process handles: Linux has no such request',
  },
  {
    paths: ['injection_type', 'injection_type_id', 'module'],
    classes: [PROCESS_ACTIVITY],
    why: 'the Inject activity only, which ebpipe does not report',
  },
  {
    paths: ['status_code'],
    classes: ALL_BUT_FINDINGS,
    why: 'the errno name of a failed call; a success has none',
  },
  {
    paths: ['status_detail'],
    classes: [PROCESS_ACTIVITY, NETWORK_ACTIVITY, BASE_EVENT],
    why: 'events with no system call of their own (exec, fork, a TCP state change)',
  },
  {
    paths: ['component', 'create_mask', 'file_diff'],
    classes: [FILE_ACTIVITY],
    why: 'no sub-component, no Windows create mask (the open flags are access_mask), no content seen',
  },
  {
    paths: ['file_result'],
    classes: [FILE_ACTIVITY],
    why: 'only a rename (the new name), chmod (the mode) and chown (the owner) have a result',
  },
  { paths: ['traffic'], classes: [NETWORK_ACTIVITY], why: "byte counts come with a TCP socket's close only" },
  { paths: ['traffic.packets'], classes: [NETWORK_ACTIVITY], why: 'the kernel reports bytes, not packets' },
  { paths: ['url'], classes: [NETWORK_ACTIVITY], why: 'sockets have no URL' },
  {
    paths: ['src_endpoint', 'connection_info.boundary_id'],
    classes: [NETWORK_ACTIVITY],
    why: 'bind and listen have no peer yet: the local end is dst_endpoint',
  },
  {
    paths: ['actor.process', 'actor.user'],
    classes: [NETWORK_ACTIVITY],
    why: 'a socket made before the sensor started closes with no known owner',
  },
  {
    paths: ['src_endpoint', 'dst_endpoint'].flatMap((side) => ENDPOINT_GAPS.map((a) => `**.${side}.${a}`)),
    classes: [NETWORK_ACTIVITY, DETECTION_FINDING],
    why: 'a socket address is all the kernel gives of an endpoint: no DNS, no interface, no owner',
  },
  {
    paths: ['**.connection_info.uid'],
    classes: [NETWORK_ACTIVITY, DETECTION_FINDING],
    why: 'the kernel gives sockets no identifier that outlives them',
  },
  {
    paths: [
      'evidences.api',
      'evidences.database',
      'evidences.databucket',
      'evidences.email',
      'evidences.http_request',
      'evidences.http_response',
      'evidences.ja4_fingerprint_list',
      'evidences.job',
      'evidences.query',
      'evidences.resources',
      'evidences.script',
      'evidences.tls',
      'evidences.url',
    ],
    classes: [DETECTION_FINDING],
    why: 'evidence of another kind of finding: a policy match has a process and the file or peer it touched',
  },
  {
    paths: ['evidences.file', 'evidences.dst_endpoint', 'evidences.src_endpoint', 'evidences.connection_info'],
    classes: [DETECTION_FINDING],
    why: 'the file or the peer, whichever the policy matched',
  },
  {
    paths: [
      'evidences.actor',
      'evidences.device',
      'evidences.container',
      'evidences.process.pid',
      'evidences.process.uid',
      'evidences.process.cpid',
      'evidences.process.cmd_line',
      'evidences.process.container',
      'evidences.process.parent_process',
      'evidences.process.user',
    ],
    classes: [DETECTION_FINDING],
    why: 'a policy summary counts matches by its key (a binary, a uid, a path prefix, a peer), not by process',
  },
  {
    paths: ['resources.hostname', 'resources.ip', 'resources.owner', 'resources.role_id', 'resources.uid'],
    classes: [DETECTION_FINDING],
    why: 'the resource is the file or peer matched; ownership and roles are not in the record',
  },
  { paths: ['policy.version'], classes: [DETECTION_FINDING], why: 'policies carry no version' },
  {
    paths: ['policy.uid', 'finding_info.analytic.uid', 'status_detail'],
    classes: [DETECTION_FINDING],
    why: "a policy summary names its policy but not the policy's id in this run, nor actions",
  },
  { paths: ['status_code'], classes: [DETECTION_FINDING], why: 'a finding has no status code of a source' },
];

function matches(pattern: string, path: string): boolean {
  return pattern.startsWith('**.') ? path === pattern.slice(3) || path.endsWith(pattern.slice(2)) : path === pattern;
}

/** The entry that says why an event of this class leaves out this recommended attribute. */
export function unfilledEntry(ocsfClass: string, path: string): UnfilledAttributes | undefined {
  return UNFILLED.find(
    (u) => (!u.classes || u.classes.some((c) => c.name === ocsfClass)) && u.paths.some((p) => matches(p, path)),
  );
}
