// Loads one sensor: tries its variants in order (probe the attach points, configure, load,
// attach), falls back when one fails, and logs every step. A kernel that cannot run the
// sensor gives an `unavailable` status, never an exception: the other sensors go on.
import { bpfObjectPath } from '../common/paths.js';
import type { Logger } from '../telemetry/logger.js';
import type { KernelFeatures } from './attach-points.js';
import type { NativeAddon, NativeBpfObject } from './native.js';
import type { SensorSpec, SensorVariant } from './sensors.js';
import { EbpipeError } from '../common/errors.js';

/** Maps every object declares (bpf/lib/maps.bpf.h); the first object creates them. */
export const SHARED_MAPS = ['events', 'drops', 'sequence', 'scratch_space'] as const;

export interface SkippedProgram {
  program: string;
  section: string;
  reason: string;
}

export interface VariantFailure {
  /** The variant's hook (lsm, tracepoint, ...). */
  variant: string;
  reason: string;
}

export type SensorStatus =
  | {
      sensor: string;
      state: 'attached';
      /** The hook of the variant in use. */
      variant: string;
      object: string;
      programs: string[];
      /** Programs left out because their attach point does not exist in this kernel. */
      skipped: SkippedProgram[];
      /** Preferred variants that failed before this one worked. */
      failures: VariantFailure[];
    }
  | {
      sensor: string;
      state: 'unavailable';
      /** Every variant, with why it failed. */
      failures: VariantFailure[];
      reason: string;
    };

export interface SensorLoadContext {
  addon: NativeAddon;
  /** The object that created the shared maps; undefined while none has loaded. */
  owner: NativeBpfObject | undefined;
  ringBytes: number;
  /** `const volatile` settings written before load. */
  globals: Readonly<Record<string, Buffer>>;
  features: KernelFeatures;
  logger: Logger;
}

export interface LoadedSensor {
  /** The loaded, attached object; undefined when the sensor is unavailable. */
  object: NativeBpfObject | undefined;
  status: SensorStatus;
}

/** One variant of a sensor cannot be used here; the next one is tried. */
class VariantError extends EbpipeError {
  override readonly name = 'VariantError';
  constructor(message: string) {
    super('SENSOR_VARIANT_UNUSABLE', 'opening', message);
  }
}

/** Runs one step of a variant, naming the step in its failure; libbpf's log stays for the log line. */
function step<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof VariantError) throw err;
    throw new VariantError(`${what}: ${(err as Error).message}`);
  }
}

interface Attached {
  object: NativeBpfObject;
  programs: string[];
  skipped: SkippedProgram[];
}

/** Leaves out the programs the variant does not want and those with nothing to attach to here. */
function selectPrograms(
  object: NativeBpfObject,
  spec: SensorSpec,
  variant: SensorVariant,
  features: KernelFeatures,
): SkippedProgram[] {
  const skipped: SkippedProgram[] = [];
  let kept = 0;
  for (const p of object.programs()) {
    if (variant.without?.some((prefix) => p.section.startsWith(prefix))) {
      object.setAutoload(p.name, false);
      continue;
    }
    const unusable = features.hookUnavailable(p.section);
    if (unusable) throw new VariantError(`${p.name} (${p.section}): ${unusable}`);
    const missing = features.missingAttachPoint(p.section);
    if (missing) {
      object.setAutoload(p.name, false);
      skipped.push({ program: p.name, section: p.section, reason: `${missing} does not exist in this kernel` });
    } else {
      kept++;
    }
  }
  if (kept === 0) {
    const missing = skipped.map((s) => s.section.replace(/^[^/]+\//, '')).join(', ');
    const why = missing ? `none of its attach points exist in this kernel (${missing})` : 'the object has no programs';
    throw new VariantError(spec.whenNoAttachPoint ? `${why}: ${spec.whenNoAttachPoint}` : why);
  }
  return skipped;
}

function attachVariant(spec: SensorSpec, variant: SensorVariant, ctx: SensorLoadContext): Attached {
  const object = step('opening', () => new ctx.addon.BpfObject(bpfObjectPath(variant.object)));
  try {
    const skipped = selectPrograms(object, spec, variant, ctx.features);
    for (const [name, value] of Object.entries(ctx.globals))
      step(`setting ${name}`, () => object.setGlobal(name, value));
    const owner = ctx.owner;
    if (owner) {
      for (const map of SHARED_MAPS) step(`sharing map ${map}`, () => object.reuseMap(map, owner));
    } else {
      step('sizing ring buffer', () => object.setMaxEntries('events', ctx.ringBytes));
    }
    step('loading', () => object.load());
    const programs = step('attaching', () => object.attach());
    return { object, programs, skipped };
  } catch (err) {
    object.close();
    throw err;
  }
}

export function loadSensor(spec: SensorSpec, ctx: SensorLoadContext): LoadedSensor {
  const failures: VariantFailure[] = [];
  for (const [i, variant] of spec.variants.entries()) {
    try {
      const { object, programs, skipped } = attachVariant(spec, variant, ctx);
      ctx.logger.info(
        { sensor: spec.name, variant: variant.hook, object: variant.object, programs, skipped, failed: failures },
        'sensor attached',
      );
      return {
        object,
        status: {
          sensor: spec.name,
          state: 'attached',
          variant: variant.hook,
          object: variant.object,
          programs,
          skipped,
          failures,
        },
      };
    } catch (err) {
      if (!(err instanceof VariantError)) throw err;
      // libbpf's log follows the first line; the log line keeps it, the status the summary.
      const [summary = '', ...detail] = err.message.split('\n');
      failures.push({ variant: variant.hook, reason: summary });
      const next = spec.variants[i + 1];
      ctx.logger.warn(
        { sensor: spec.name, variant: variant.hook, reason: summary, detail: detail.join('\n') || undefined },
        next ? `sensor variant failed, falling back to ${next.hook}` : 'sensor variant failed',
      );
    }
  }
  const reason = failures.map((f) => `${f.variant}: ${f.reason}`).join('; ');
  ctx.logger.warn({ sensor: spec.name, reason }, 'sensor unavailable');
  return { object: undefined, status: { sensor: spec.name, state: 'unavailable', failures, reason } };
}
