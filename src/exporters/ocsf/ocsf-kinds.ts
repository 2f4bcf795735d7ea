// Which OCSF class and activity each event kind becomes, and the fields of that class it fills
// (the base fields every event carries are ocsf-mapper.ts's). MAPPING.md is rendered from KINDS.
import type { EventKind } from '../../events/model.js';
import type { AttributeReader } from './attribute-reader.js';
import {
  BASE_EVENT,
  DETECTION_FINDING,
  FAILURE,
  FILE_ACTIVITY,
  KERNEL_EXTENSION_ACTIVITY,
  NETWORK_ACTIVITY,
  OTHER,
  PROCESS_ACTIVITY,
  SUCCESS,
  type Activity,
  type OcsfClass,
} from './ocsf-classes.js';
import type { OcsfObject } from './ocsf-event.js';
import { endpointOf, fileOf, FOLDER, REGULAR_FILE, userOf, type ProcessObjects } from './ocsf-objects.js';

export interface KindInput {
  readonly r: AttributeReader;
  readonly p: ProcessObjects;
  /** The event's uid (metadata.uid), for the finding it makes. */
  readonly uid: string;
  readonly time: number;
  readonly body: string;
  /** The host's device object, for evidence. */
  readonly device: OcsfObject;
}

/** What a kind contributes: its activity, outcome and class fields, and who acted. */
export interface KindFields {
  readonly activity: Activity;
  readonly fields: OcsfObject;
  readonly actor: OcsfObject;
  /** status_id and friends; omitted when the kind has no outcome of its own. */
  readonly status?: OcsfObject;
  /** OCSF profiles the event applies beyond host (and container, when its process has one). */
  readonly profiles?: readonly string[];
}

export interface KindMapping {
  readonly ocsfClass: OcsfClass;
  /** For MAPPING.md: the activities and how they are chosen. */
  readonly activities: string;
  readonly map: (input: KindInput) => KindFields;
}

/** status_id, status_code (the errno name) and status_detail of a system call's outcome. */
function syscallStatus(r: AttributeReader): OcsfObject {
  const result = r.int('ebpipe.syscall.result');
  const syscall = r.str('ebpipe.syscall');
  const error = r.str('error.type');
  const [id, name] = result !== undefined && result < 0 ? FAILURE : SUCCESS;
  return {
    status_id: id,
    status: name,
    status_code: error,
    status_detail: syscall === undefined || result === undefined ? undefined : `${syscall} returned ${result}`,
  };
}

const failed = (status: OcsfObject): boolean => status['status_id'] === FAILURE[0];
const observed: OcsfObject = { status_id: SUCCESS[0], status: SUCCESS[1] };

// Process Activity (1007)
const LAUNCH: Activity = [1, 'Launch'];
const TERMINATE: Activity = [2, 'Terminate'];
const SET_USER_ID: Activity = [5, 'Set User ID'];
const UID_SYSCALLS = new Set(['setuid', 'setreuid', 'setresuid', 'setfsuid']);

/**
 * The actor of a launch: the image exec replaced, or the parent that forked. Both run as the user
 * and in the container of the process launched (exec keeps the credentials, fork copies them).
 */
function launcher(actor: OcsfObject | undefined, launched: OcsfObject): OcsfObject {
  const user = launched['user'];
  return { process: actor && { ...actor, user, container: launched['container'] }, user };
}

function exec({ p }: KindInput): KindFields {
  // The image exec replaced acted; the new image is the process launched.
  const previous = p.parent();
  const process = p.subject({ launched: true, parent: previous });
  return {
    activity: LAUNCH,
    fields: { process, launch_type_id: 3, launch_type: 'Exec' },
    actor: launcher(previous, process),
    status: observed,
  };
}

function fork({ p }: KindInput): KindFields {
  const parent = p.parent();
  const process = p.subject({ launched: true, parent });
  return {
    activity: LAUNCH,
    fields: { process, launch_type_id: 2, launch_type: 'Fork' },
    actor: launcher(parent, process),
    status: observed,
  };
}

function exit({ r, p, time }: KindInput): KindFields {
  const process = { ...p.subject(), terminated_time: time };
  const signal = r.int('ebpipe.exit.signal');
  const code = r.int('process.exit.code');
  return {
    activity: TERMINATE,
    fields: { process, exit_code: code },
    actor: p.actor(process),
    status: {
      ...observed,
      status_detail: signal === undefined ? `exited with code ${code}` : `killed by signal ${signal}`,
    },
  };
}

function credentials({ r, p }: KindInput): KindFields {
  const status = syscallStatus(r);
  const syscall = r.str('ebpipe.syscall') ?? '';
  const before = userOf(r.int('ebpipe.credentials.before.uid'), r.str('process.real_user.name'));
  const subject = p.subject();
  // The same process before (the actor) and after the call (the process, as the user it became).
  const process = { ...subject, user: userOf(r.int('ebpipe.credentials.after.uid')) };
  return {
    activity: UID_SYSCALLS.has(syscall) ? SET_USER_ID : [OTHER[0], syscall],
    fields: { process },
    actor: { process: subject, user: before },
    status,
  };
}

// File System Activity (1001)
const OPEN: Activity = [14, 'Open'];
const CREATE: Activity = [1, 'Create'];
const DELETE: Activity = [4, 'Delete'];
const RENAME: Activity = [5, 'Rename'];
const SET_ATTRIBUTES: Activity = [6, 'Set Attributes'];
const SET_SECURITY: Activity = [7, 'Set Security'];
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_DIRECTORY = 0o200000;
const O_TMPFILE = 0o20000000 | O_DIRECTORY;

/** The file a file event names: its path, its identity (device and inode) when the kernel gave one. */
function eventFile(r: AttributeReader, typeId = 0): OcsfObject | undefined {
  const path = r.str('file.path');
  if (path === undefined) return undefined;
  return fileOf(path, typeId, { uid: r.str('file.inode') });
}

function open({ r, p }: KindInput): KindFields {
  const status = syscallStatus(r);
  const flags = r.int('ebpipe.file.open_flags') ?? 0;
  // Only an open that could not have succeeded without making the file is a Create.
  const creates = (flags & O_TMPFILE) === O_TMPFILE || (flags & (O_CREAT | O_EXCL)) === (O_CREAT | O_EXCL);
  const directory = (flags & O_TMPFILE) !== O_TMPFILE && (flags & O_DIRECTORY) !== 0;
  return {
    activity: creates && !failed(status) ? CREATE : OPEN,
    fields: { file: eventFile(r, directory ? FOLDER : 0), access_mask: flags },
    actor: p.actor(),
    status,
  };
}

function unlink({ r, p }: KindInput): KindFields {
  return { activity: DELETE, fields: { file: eventFile(r) }, actor: p.actor(), status: syscallStatus(r) };
}

function rename({ r, p }: KindInput): KindFields {
  const oldPath = r.str('ebpipe.file.old_path');
  const newPath = r.str('file.path');
  return {
    activity: RENAME,
    fields: {
      file: oldPath === undefined ? undefined : fileOf(oldPath),
      file_result: newPath === undefined ? undefined : fileOf(newPath),
    },
    actor: p.actor(),
    status: syscallStatus(r),
  };
}

function chmod({ r, p }: KindInput): KindFields {
  const file = eventFile(r);
  const mode = r.str('ebpipe.file.requested_mode');
  return {
    // The mode bits: what OCSF's file object keeps as `attributes`.
    activity: SET_ATTRIBUTES,
    fields: { file, file_result: file && mode && { ...file, attributes: parseInt(mode, 8) } },
    actor: p.actor(),
    status: syscallStatus(r),
  };
}

function chown({ r, p }: KindInput): KindFields {
  const file = eventFile(r);
  const owner = r.int('ebpipe.file.requested_owner.id');
  return {
    // Ownership: what a file's security descriptor holds.
    activity: SET_SECURITY,
    fields: {
      file,
      file_result: file && owner !== undefined && owner >= 0 ? { ...file, owner: userOf(owner) } : undefined,
    },
    actor: p.actor(),
    status: syscallStatus(r),
  };
}

// Network Activity (4001)
const NET_OPEN: Activity = [1, 'Open'];
const NET_CLOSE: Activity = [2, 'Close'];
const RESET: Activity = [3, 'Reset'];
const FAIL: Activity = [4, 'Fail'];
const REFUSE: Activity = [5, 'Refuse'];
const TRAFFIC: Activity = [6, 'Traffic'];
const LISTEN: Activity = [7, 'Listen'];
const BIND: Activity = [OTHER[0], 'Bind'];
const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { tcp: 6, udp: 17 };
const INBOUND = [1, 'Inbound'] as const;
const OUTBOUND = [2, 'Outbound'] as const;

type Direction = 'outbound' | 'inbound' | 'local' | 'unknown';

/** Where the peer is: this host, a private network, or beyond (OCSF boundary_id). */
function boundaryOf(ip: string | undefined): readonly [number, string] | undefined {
  if (ip === undefined) return undefined;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (v4 === '::1' || v4.startsWith('127.')) return [1, 'Localhost'];
  const octets = v4.split('.').map(Number);
  if (octets.length === 4) {
    const [a = 0, b = 0] = octets;
    const internal =
      a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254);
    return internal ? [2, 'Internal'] : [3, 'External'];
  }
  const lower = v4.toLowerCase();
  return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) ? [2, 'Internal'] : [3, 'External'];
}

function connection(r: AttributeReader, direction: Direction): OcsfObject {
  const transport = r.str('network.transport');
  const type = r.str('network.type');
  const [directionId, directionName] =
    direction === 'outbound' ? OUTBOUND : direction === 'inbound' ? INBOUND : [0, 'Unknown'];
  const boundary = boundaryOf(r.str('network.peer.address'));
  return {
    protocol_name: transport,
    protocol_num: transport === undefined ? undefined : PROTOCOL_NUMBERS[transport],
    protocol_ver_id: type === 'ipv4' ? 4 : type === 'ipv6' ? 6 : 0,
    direction_id: directionId,
    direction: directionName,
    boundary_id: boundary?.[0],
    boundary: boundary?.[1],
  };
}

/** The endpoints, the connection and whether src/dst say who initiated. */
function sockets(r: AttributeReader, direction: Direction): OcsfObject {
  const local = endpointOf(r.str('network.local.address'), r.int('network.local.port'));
  const peer = endpointOf(r.str('network.peer.address'), r.int('network.peer.port'));
  const inbound = direction === 'inbound';
  return {
    // Bind and listen have no peer yet: the local end is where traffic will arrive.
    src_endpoint: inbound ? peer : direction === 'local' ? undefined : local,
    dst_endpoint: inbound ? local : direction === 'local' ? local : peer,
    is_src_dst_assignment_known: direction !== 'unknown',
    connection_info: connection(r, direction),
  };
}

function connect({ r, p }: KindInput): KindFields {
  const status = syscallStatus(r);
  const error = r.str('error.type');
  // A non-blocking connect in progress is an opening connection, not a failed one.
  const inProgress = error === 'EINPROGRESS';
  const activity = !failed(status) || inProgress ? NET_OPEN : error === 'ECONNREFUSED' ? REFUSE : FAIL;
  return { activity, fields: sockets(r, 'outbound'), actor: p.actor(), status };
}

function accept({ r, p }: KindInput): KindFields {
  const status = syscallStatus(r);
  return { activity: failed(status) ? FAIL : NET_OPEN, fields: sockets(r, 'inbound'), actor: p.actor(), status };
}

function close({ r, p }: KindInput): KindFields {
  // TCP state changes: from SYN_SENT straight to CLOSE is a connect that failed, from ESTABLISHED a reset.
  const previous = r.str('ebpipe.network.previous_state');
  const activity = previous === 'SYN_SENT' ? FAIL : previous === 'ESTABLISHED' ? RESET : NET_CLOSE;
  const bytesOut = r.int('ebpipe.network.bytes_acked');
  const bytesIn = r.int('ebpipe.network.bytes_received');
  const known = !r.flag('ebpipe.network.owner_unknown');
  return {
    activity,
    fields: {
      ...sockets(r, 'unknown'),
      traffic: {
        bytes_out: bytesOut,
        bytes_in: bytesIn,
        bytes: bytesOut === undefined && bytesIn === undefined ? undefined : (bytesOut ?? 0) + (bytesIn ?? 0),
      },
    },
    // A socket made before the sensor started has no known owner: no actor rather than pid 0.
    actor: known ? p.actor() : {},
    status: observed,
  };
}

function bind({ r, p }: KindInput): KindFields {
  return { activity: BIND, fields: sockets(r, 'local'), actor: p.actor(), status: syscallStatus(r) };
}

function listen({ r, p }: KindInput): KindFields {
  return { activity: LISTEN, fields: sockets(r, 'local'), actor: p.actor(), status: syscallStatus(r) };
}

function udpSend({ r, p }: KindInput): KindFields {
  return { activity: TRAFFIC, fields: sockets(r, 'outbound'), actor: p.actor(), status: syscallStatus(r) };
}

// Kernel Extension Activity (1002)
function driver(r: AttributeReader): OcsfObject {
  const name = r.str('ebpipe.module.name');
  const path = r.str('file.path');
  // init_module gives no file, and a failed call may never have read the name.
  const file = path === undefined ? fileOf(name ?? 'unknown') : fileOf(path, REGULAR_FILE);
  return { file: name === undefined ? file : { ...file, name } };
}

function moduleLoad({ r, p }: KindInput): KindFields {
  return { activity: [1, 'Load'], fields: { driver: driver(r) }, actor: p.actor(), status: syscallStatus(r) };
}

function moduleUnload({ r, p }: KindInput): KindFields {
  return { activity: [2, 'Unload'], fields: { driver: driver(r) }, actor: p.actor(), status: syscallStatus(r) };
}

// Detection Finding (2004)
const FINDING_CREATE: Activity = [1, 'Create'];
const NEW: OcsfObject = { status_id: 1, status: 'New' };

/** What the policy did: refused the operation, killed or signalled the process, or only reported it. */
function enforcement(actions: readonly string[], killed: boolean): OcsfObject {
  if (actions.includes('override'))
    return { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' };
  if (actions.includes('sigkill') || actions.includes('signal'))
    return {
      action_id: OTHER[0],
      action: killed ? 'Killed' : 'Signaled',
      disposition_id: 7,
      disposition: 'Custom Action',
    };
  return { action_id: 3, action: 'Observed', disposition_id: 15, disposition: 'Detected' };
}

function policyMatch({ r, p, uid, time, body, device }: KindInput): KindFields {
  const name = r.str('ebpipe.policy.name') ?? '';
  const id = r.int('ebpipe.policy.id');
  const hook = r.str('ebpipe.policy.hook');
  const actions = r.strs('ebpipe.policy.actions') ?? [];
  const killed = r.flag('ebpipe.policy.killed');
  const process: OcsfObject = { ...p.subject(), user: userOf(r.int('process.user.id')) ?? p.user() };
  const file = eventFile(r);
  const peerAddress = r.str('network.peer.address');
  const peerPort = r.int('network.peer.port');
  const peer = endpointOf(peerAddress, peerPort);
  const resource = file
    ? { type: 'File', name: file['path'] ?? file['name'], uid: file['uid'] }
    : peer && { type: 'Network Endpoint', name: `${peerAddress ?? ''}:${peerPort ?? ''}`, ip: peerAddress };
  const evidence: OcsfObject = {
    actor: { process, user: process['user'] },
    process,
    user: process['user'],
    device,
    container: process['container'],
    file,
    ...(peer && {
      src_endpoint: endpointOf(r.str('network.local.address'), r.int('network.local.port')),
      dst_endpoint: peer,
      connection_info: connection(r, 'outbound'),
    }),
  };
  return {
    activity: FINDING_CREATE,
    fields: {
      finding_info: {
        uid,
        title: `policy ${name} matched`,
        desc: body,
        types: hook === undefined ? undefined : [hook],
        created_time: time,
        analytic: { name, uid: id === undefined ? undefined : String(id), type_id: 1, type: 'Rule' },
      },
      evidences: [evidence],
      resources: resource ? [resource] : undefined,
      policy: { name, uid: id === undefined ? undefined : String(id), is_applied: true },
      is_alert: true,
      // A kernel rule matched exactly what it names: no guesswork to be unsure of.
      confidence_id: 3,
      confidence: 'High',
      ...enforcement(actions, killed),
    },
    actor: { process, user: process['user'] },
    status: { ...NEW, status_detail: actions.join('+') },
    profiles: ['security_control'],
  };
}

function policySummary({ r, p, uid, time, body }: KindInput): KindFields {
  const name = r.str('ebpipe.policy.name') ?? '';
  const firstText = r.str('ebpipe.policy.first_time');
  const lastText = r.str('ebpipe.policy.last_time');
  const first = firstText === undefined ? undefined : Date.parse(firstText);
  const last = lastText === undefined ? undefined : Date.parse(lastText);
  const binary = r.str('ebpipe.policy.key.binary');
  const prefix = r.str('ebpipe.policy.key.path_prefix');
  const daddr = r.str('ebpipe.policy.key.daddr');
  const dport = r.int('ebpipe.policy.key.dport');
  const resources: OcsfObject[] = [];
  if (prefix !== undefined) resources.push({ type: 'Folder', name: prefix });
  if (daddr !== undefined || dport !== undefined)
    resources.push({ type: 'Network Endpoint', name: `${daddr ?? '*'}:${dport ?? '*'}`, ip: daddr });
  const keyProcess =
    binary === undefined
      ? undefined
      : { name: binary.slice(binary.lastIndexOf('/') + 1), path: binary, file: fileOf(binary, REGULAR_FILE) };
  const keyUser = userOf(r.int('ebpipe.policy.key.uid'));
  return {
    activity: FINDING_CREATE,
    fields: {
      count: r.int('ebpipe.policy.count'),
      start_time: first,
      end_time: last,
      finding_info: {
        uid,
        title: `policy ${name} matched ${r.int('ebpipe.policy.count') ?? 0} times`,
        desc: body,
        created_time: time,
        first_seen_time: first,
        last_seen_time: last,
        analytic: { name, type_id: 1, type: 'Rule' },
      },
      evidences: [{ process: keyProcess, user: keyUser, name: 'aggregation key' }],
      resources: resources.length > 0 ? resources : undefined,
      policy: { name, is_applied: true },
      // Aggregated on purpose: a count, not an alert.
      is_alert: false,
      confidence_id: 3,
      confidence: 'High',
      action_id: 3,
      action: 'Observed',
      disposition_id: 20,
      disposition: 'Count',
    },
    actor: p.actor(),
    status: NEW,
    profiles: ['security_control'],
  };
}

// Base Event (0): what no OCSF class describes.
function policyAudit({ r, p }: KindInput): KindFields {
  const action = r.str('ebpipe.policy.audit.action') ?? 'change';
  const result = r.str('ebpipe.policy.audit.result');
  const [id, name] = result === 'rejected' ? FAILURE : SUCCESS;
  return {
    activity: [OTHER[0], `Policy ${action}`],
    fields: {},
    actor: p.actor(),
    status: { status_id: id, status: name, status_detail: r.str('ebpipe.policy.audit.reason') },
  };
}

function other({ p }: KindInput): KindFields {
  return { activity: OTHER, fields: {}, actor: p.actor(), status: observed };
}

export const KINDS: { readonly [K in EventKind]: KindMapping } = {
  'process.exec': { ocsfClass: PROCESS_ACTIVITY, activities: 'Launch (launch_type Exec)', map: exec },
  'process.fork': { ocsfClass: PROCESS_ACTIVITY, activities: 'Launch (launch_type Fork)', map: fork },
  'process.exit': { ocsfClass: PROCESS_ACTIVITY, activities: 'Terminate', map: exit },
  'credentials.change': {
    ocsfClass: PROCESS_ACTIVITY,
    activities:
      'Set User ID (setuid, setreuid, setresuid, setfsuid); Other named by the call (setgid family, setgroups, capset)',
    map: credentials,
  },
  'file.open': {
    ocsfClass: FILE_ACTIVITY,
    activities: 'Open; Create when it succeeded with O_CREAT|O_EXCL or O_TMPFILE (it made the file)',
    map: open,
  },
  'file.unlink': { ocsfClass: FILE_ACTIVITY, activities: 'Delete', map: unlink },
  'file.rename': {
    ocsfClass: FILE_ACTIVITY,
    activities: 'Rename (file: old name, file_result: new name)',
    map: rename,
  },
  'file.chmod': {
    ocsfClass: FILE_ACTIVITY,
    activities: 'Set Attributes (file_result.attributes: the mode)',
    map: chmod,
  },
  'file.chown': { ocsfClass: FILE_ACTIVITY, activities: 'Set Security (file_result.owner: the new owner)', map: chown },
  'network.connect': {
    ocsfClass: NETWORK_ACTIVITY,
    activities: 'Open (also EINPROGRESS); Refuse on ECONNREFUSED; Fail on any other error',
    map: connect,
  },
  'network.accept': { ocsfClass: NETWORK_ACTIVITY, activities: 'Open; Fail when the call failed', map: accept },
  'network.close': {
    ocsfClass: NETWORK_ACTIVITY,
    activities: 'Close; Reset from ESTABLISHED; Fail from SYN_SENT (a connect that never completed)',
    map: close,
  },
  'network.bind': { ocsfClass: NETWORK_ACTIVITY, activities: 'Other (activity_name Bind)', map: bind },
  'network.listen': { ocsfClass: NETWORK_ACTIVITY, activities: 'Listen', map: listen },
  'network.udp_send': { ocsfClass: NETWORK_ACTIVITY, activities: 'Traffic', map: udpSend },
  'module.load': { ocsfClass: KERNEL_EXTENSION_ACTIVITY, activities: 'Load', map: moduleLoad },
  'module.unload': { ocsfClass: KERNEL_EXTENSION_ACTIVITY, activities: 'Unload', map: moduleUnload },
  'policy.match': {
    ocsfClass: DETECTION_FINDING,
    activities:
      'Create (action and disposition: Denied/Blocked for override, Killed or Signaled/Custom Action, else Observed/Detected)',
    map: policyMatch,
  },
  'policy.summary': {
    ocsfClass: DETECTION_FINDING,
    activities: 'Create (count, start_time and end_time of the window; disposition Count)',
    map: policySummary,
  },
  'policy.audit': {
    ocsfClass: BASE_EVENT,
    activities: 'Other (activity_name Policy add/replace/delete)',
    map: policyAudit,
  },
  'ebpipe.bench': { ocsfClass: BASE_EVENT, activities: 'Other', map: other },
};
