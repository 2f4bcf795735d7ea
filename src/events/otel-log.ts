// The one mapping from events to OpenTelemetry log records, shared by every exporter that
// speaks OTel (ClickHouse otel_logs, OTLP, Kafka, ...). EventName is the event kind;
// attributes follow the semantic conventions (process.*, user.*, container.*) where one
// exists and use ebpipe.* otherwise. Attribute values are strings, as otel_logs stores them.
import { hostname } from 'node:os';
import type { OtelLogRow } from '../exporters/clickhouse/log-row.js';
import { epochNs } from './clock.js';
import type { Event } from './model.js';
import type { ProcessRef } from './references.js';

export const SERVICE_NAME = 'ebpipe';

/** OpenTelemetry severity numbers. */
const INFO = 9;
const WARN = 13;

/** Events a security team wants to see first get WARN. */
function severity(event: Event): [string, number] {
  if (event.kind === 'credentials.change' && event.privilegeRaised) return ['WARN', WARN];
  if (event.kind === 'module.load' && event.result >= 0) return ['WARN', WARN];
  return ['INFO', INFO];
}

export function defaultResource(serviceVersion: string): Record<string, string> {
  return {
    'service.name': SERVICE_NAME,
    'service.version': serviceVersion,
    'host.name': hostname(),
    'os.type': 'linux',
  };
}

type AttributeValue = string | number | boolean | bigint | object | null | undefined;

function set(attrs: Record<string, string>, key: string, value: AttributeValue): void {
  if (value === undefined || value === null || value === '') return;
  attrs[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** JSON of argv arrays: enrich shares one array between all of a process's events. */
const argvJson = new WeakMap<readonly string[], string>();

function jsonOfArgv(argv: readonly string[]): string {
  let json = argvJson.get(argv);
  if (json === undefined) {
    json = JSON.stringify(argv);
    argvJson.set(argv, json);
  }
  return json;
}

function processAttributes(p: ProcessRef, attrs: Record<string, string>): void {
  set(attrs, 'process.pid', p.pid);
  set(attrs, 'process.thread.id', p.tid);
  set(attrs, 'process.executable.name', p.comm);
  set(attrs, 'process.executable.path', p.binary);
  if (p.argv) attrs['process.command_args'] = jsonOfArgv(p.argv);
  set(attrs, 'process.working_directory', p.cwd);
  set(attrs, 'process.user.id', p.uid);
  set(attrs, 'user.name', p.user);
  set(attrs, 'ebpipe.exec_id', p.execId);
  set(attrs, 'ebpipe.parent_exec_id', p.parentExecId);
  set(attrs, 'process.parent_pid', p.ppid);
  set(attrs, 'container.id', p.containerId);
  set(attrs, 'container.runtime', p.containerRuntime);
  set(attrs, 'ebpipe.cgroup.path', p.cgroupPath);
  set(attrs, 'ebpipe.systemd.unit', p.systemdUnit);
  const pod = p.pod;
  if (pod) {
    set(attrs, 'k8s.pod.uid', pod.uid);
    set(attrs, 'k8s.pod.name', pod.name);
    set(attrs, 'k8s.namespace.name', pod.namespace);
    set(attrs, 'k8s.container.name', pod.containerName);
    for (const [label, value] of Object.entries(pod.labels ?? {})) set(attrs, `k8s.pod.label.${label}`, value);
    // Semantic conventions name the workload by kind: k8s.deployment.name, k8s.daemonset.name, ...
    if (pod.workload) set(attrs, `k8s.${pod.workload.kind.toLowerCase()}.name`, pod.workload.name);
  }
}

const attributeNames = new Map<string, string>();

/** `prefix.field` with the camelCase field in snake_case; the pairs are few, so each is built once. */
function attributeName(prefix: string, field: string): string {
  const key = `${prefix}\0${field}`;
  let out = attributeNames.get(key);
  if (out === undefined) {
    out = `${prefix}.${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
    attributeNames.set(key, out);
  }
  return out;
}

/** Socket fields under the semantic conventions' names (the store's `connections` view reads them). */
const SOCKET_FIELDS = new Set(['family', 'protocol', 'local', 'remote']);

function socketAttributes(event: Event, attrs: Record<string, string>): void {
  if (!('remote' in event) || !('local' in event)) return;
  set(attrs, 'network.transport', event.protocol);
  set(attrs, 'network.type', event.family);
  set(attrs, 'network.local.address', event.local.address);
  set(attrs, 'network.local.port', event.local.port);
  set(attrs, 'network.peer.address', event.remote.address);
  set(attrs, 'network.peer.port', event.remote.port);
}

/** Fields of a kind without a dedicated mapping: `<domain>.<field>` (file.path, file.open_flags, ...). */
function genericAttributes(event: Event, attrs: Record<string, string>): void {
  const domain = event.kind.split('.')[0] ?? 'ebpipe';
  socketAttributes(event, attrs);
  const walk = (value: AttributeValue, prefix: string) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value as Record<string, AttributeValue>)) walk(v, attributeName(prefix, k));
    } else if (value !== false) {
      // A false flag (path_truncated, from_lsm, ...) says nothing: left out, the row stays small.
      set(attrs, prefix, typeof value === 'bigint' ? `0x${value.toString(16)}` : value);
    }
  };
  for (const [key, value] of Object.entries(event)) {
    if (key === 'kind' || key === 'origin' || key === 'process' || ('remote' in event && SOCKET_FIELDS.has(key)))
      continue;
    walk(value as AttributeValue, attributeName(domain, key));
  }
}

function body(event: Event): string {
  const p = event.process;
  const command = p.argv ? p.argv.join(' ') : (p.binary ?? p.comm);
  switch (event.kind) {
    case 'process.exec':
      return ['exec', event.binary, ...event.argv.slice(1)].join(' ');
    case 'process.exit':
      return event.signal
        ? `exit ${command} killed by signal ${event.signal}`
        : `exit ${command} code ${event.exitCode}`;
    case 'file.rename':
      return `rename ${event.oldPath} -> ${event.newPath} by ${command}`;
    case 'credentials.change':
      return `${event.syscall} uid ${event.before.uid}->${event.after.uid} euid ${event.before.euid}->${event.after.euid} by ${command}`;
    case 'module.load':
      return `module.load ${event.name || event.path} by ${command}`;
    case 'module.unload':
      return `module.unload ${event.name} by ${command}`;
    default:
      if ('remote' in event)
        return `${event.kind} ${event.local.address}:${event.local.port} -> ${event.remote.address}:${event.remote.port} by ${command}`;
      if ('path' in event) return `${event.kind} ${event.path} by ${command}`;
      return `${event.kind} ${command}`;
  }
}

/** `resource` is shared by every record of a host: exporters must not mutate it. */
export function toOtelLog(event: Event, resource: Record<string, string>): OtelLogRow {
  const attrs: Record<string, string> = {};
  processAttributes(event.process, attrs);
  switch (event.kind) {
    case 'process.exec':
      // The lineage is stored once per image, on its exec; other events join on ebpipe.exec_id.
      if (event.process.ancestors && event.process.ancestors.length > 0)
        set(attrs, 'ebpipe.ancestors', event.process.ancestors);
      set(attrs, 'process.parent_pid', event.parent.pid);
      set(attrs, 'process.executable.path', event.binary);
      set(attrs, 'process.command_args', event.argv);
      set(attrs, 'process.working_directory', event.cwd);
      set(attrs, 'process.user.id', event.creds.uid);
      set(attrs, 'process.real_user.id', event.creds.uid);
      set(attrs, 'process.group.id', event.creds.gid);
      set(attrs, 'ebpipe.effective_user.id', event.creds.euid);
      set(attrs, 'ebpipe.capabilities.effective', `0x${event.creds.capEffective.toString(16)}`);
      set(attrs, 'ebpipe.cgroup.id', event.cgroupId);
      if (event.argvTruncated) set(attrs, 'ebpipe.argv_truncated', true);
      break;
    case 'process.exit':
      set(attrs, 'process.exit.code', event.exitCode);
      if (event.signal) set(attrs, 'ebpipe.exit.signal', event.signal);
      break;
    case 'process.fork':
      set(attrs, 'process.parent_pid', event.parent.pid);
      break;
    default:
      genericAttributes(event, attrs);
  }
  const [severityText, severityNumber] = severity(event);
  return {
    timestampNs: epochNs(event.origin),
    severityText,
    severityNumber,
    serviceName: SERVICE_NAME,
    body: body(event),
    eventName: event.kind,
    resourceAttributes: resource,
    logAttributes: attrs,
    scopeName: 'ebpipe',
  };
}
