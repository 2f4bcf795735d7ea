// The kernel sensors and their variants, in order of preference. A variant is an object in
// bpf/build, optionally without some of its programs; every variant of a sensor emits the
// same records, so what user space sees does not depend on which one the kernel allowed.

export interface SensorVariant {
  /** How the variant hooks the kernel, as logs and status name it: lsm, tracepoint, tp_btf. */
  hook: string;
  /** Object file in bpf/build, without `.bpf.o`. */
  object: string;
  /** Section prefixes of the object's programs this variant does not load, e.g. `lsm/`. */
  without?: readonly string[];
}

export interface SensorSpec {
  name: string;
  /** Tried in order; the first that loads and attaches is used. */
  variants: readonly SensorVariant[];
  /** The likely cause when the kernel has none of the sensor's attach points. */
  whenNoAttachPoint?: string;
}

const SENSORS: readonly SensorSpec[] = [
  { name: 'process', variants: [{ hook: 'tp_btf', object: 'process' }] },
  {
    name: 'file',
    // lsm/file_open names the opened file at the moment of the open; without it the
    // syscall exit looks the new fd up (bpf/file.bpf.c).
    variants: [
      { hook: 'lsm', object: 'file' },
      { hook: 'tracepoint', object: 'file', without: ['lsm/'] },
    ],
  },
  { name: 'network', variants: [{ hook: 'tracepoint', object: 'network' }] },
  { name: 'credentials', variants: [{ hook: 'tracepoint', object: 'credentials' }] },
  {
    name: 'policy',
    // Policies are evaluated where the operation can still be refused (lsm/file_open) when the
    // kernel allows it; elsewhere at the open family's syscall exits, before the return to user
    // space (bpf/policy.bpf.c). Never both: the lsm variant leaves the exit programs out.
    variants: [
      {
        hook: 'lsm',
        object: 'policy',
        without: ['tracepoint/syscalls/sys_exit_open', 'tracepoint/syscalls/sys_exit_creat'],
      },
      { hook: 'tracepoint', object: 'policy', without: ['lsm/'] },
    ],
  },
  {
    name: 'modules',
    variants: [{ hook: 'tracepoint', object: 'modules' }],
    whenNoAttachPoint: 'this kernel was built without loadable module support (CONFIG_MODULES is off)',
  },
];

/** The sensors a pipeline can switch on, in load order. */
export const SENSOR_NAMES: readonly string[] = SENSORS.map((s) => s.name);

/**
 * The sensor of that name; any other name is an object of bpf/build loaded as is (the
 * benchmark's load generator), and loading says when there is no such object.
 */
export function sensorSpec(name: string): SensorSpec {
  return SENSORS.find((s) => s.name === name) ?? { name, variants: [{ hook: 'object', object: name }] };
}
