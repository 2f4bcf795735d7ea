// Every field path an event can carry, for conditions in pipeline and policy files: a path
// outside this list is a configuration error with a suggestion. Add the fields of a new
// event kind here together with its type in model.ts.

/** Field paths an event can have; conditions naming anything else are rejected with a suggestion. */
export const EVENT_FIELDS: ReadonlySet<string> = new Set([
  'kind',
  'origin.ktime',
  'origin.cpu',
  'origin.seq',
  'process.pid',
  'process.tid',
  'process.startNs',
  'process.comm',
  'process.execId',
  'process.parentExecId',
  'process.binary',
  'process.argv',
  'process.cwd',
  'process.uid',
  'process.user',
  'process.containerId',
  'parent.pid',
  'parent.startNs',
  'binary',
  'argv',
  'argvTruncated',
  'cwd',
  'creds.uid',
  'creds.gid',
  'creds.euid',
  'creds.egid',
  'creds.capEffective',
  'creds.capPermitted',
  'cgroupId',
  'exitCode',
  'signal',
  'coreDumped',
]);
