// The kernel side as one unit: loads the sensor objects so they share one ring buffer
// and one set of counters, attaches them, and drains the ring into batches.
import { existsSync } from 'node:fs';
import { DropReason, Op } from '../events/generated/abi.js';
import { bpfObjectPath } from '../common/paths.js';
import type { Logger } from '../telemetry/logger.js';
import { HostKernelFeatures, type KernelFeatures } from './attach-points.js';
import {
  loadNativeAddon,
  type NativeBpfObject,
  type NativeRingReader,
  type RingReaderOptions,
  type RingReaderStats,
} from './native.js';
import { preflight } from './preflight.js';
import { loadSensor, type SensorStatus } from './sensor-loader.js';
import { SENSOR_NAMES, sensorSpec } from './sensors.js';
import { EbpipeError } from '../common/errors.js';

export type { SensorStatus };

export interface KernelSourceOptions {
  /** Report this process's own file and socket activity too (off: an agent would report its own writes). */
  observeSelf?: boolean;
  /**
   * Sensors to load (src/kernel/sensors.ts: process, file, network, credentials, modules);
   * any other name is an object of bpf/build loaded as is. A sensor this kernel cannot run
   * is reported by sensorStatus() and the others go on.
   */
  sensors: readonly string[];
  /** Size of the kernel ring buffer: a power of two, a multiple of the page size. */
  ringBytes: number;
  reader: RingReaderOptions;
  /** `const volatile` settings per sensor object, written before load. */
  globals?: Readonly<Record<string, Readonly<Record<string, Buffer>>>>;
  /** Called for every batch; `release` must be called once the batch is consumed. */
  onBatch(batch: Buffer, records: number, release: () => void): void;
  logger: Logger;
  /** What the kernel offers, judged before loading; the host's tracefs and LSM list by default. */
  features?: KernelFeatures;
}

export interface KernelDrop {
  reason: keyof typeof DropReason;
  op: number;
  perCpu: number[];
  total: number;
}

export interface AttachedProgram {
  sensor: string;
  program: string;
  section: string;
  id: number;
}

export class KernelSourceError extends EbpipeError {
  override readonly name = 'KernelSourceError';
  constructor(
    code: string,
    message: string,
    readonly sensor: string,
  ) {
    super(code, 'opening', message);
  }
}

const DROP_REASON_NAMES = Object.fromEntries(
  Object.entries(DropReason).map(([name, value]) => [value, name as keyof typeof DropReason]),
);

export class KernelSource {
  private readonly objects = new Map<string, NativeBpfObject>();
  private readonly statuses: SensorStatus[] = [];
  private reader: NativeRingReader | undefined;
  private closing: Promise<void> | undefined;
  /** The counters as they were when the maps were freed. */
  private finalDrops: KernelDrop[] = [];

  private constructor(private readonly options: KernelSourceOptions) {}

  /** Checks the host, then loads and attaches every sensor; nothing stays attached on failure. */
  static open(options: KernelSourceOptions): KernelSource {
    const report = preflight();
    for (const target of report.mounted) options.logger.info({ target }, 'mounted missing filesystem');
    const source = new KernelSource(options);
    try {
      source.loadSensors();
      source.startReader();
    } catch (err) {
      source.closeObjects();
      throw err;
    }
    return source;
  }

  /** Loads each sensor's first working variant; fails only when no sensor at all could attach. */
  private loadSensors(): void {
    const addon = loadNativeAddon();
    const features = this.options.features ?? new HostKernelFeatures();
    let owner: NativeBpfObject | undefined;
    const wakeupBytes = Buffer.alloc(8);
    wakeupBytes.writeBigUInt64LE(BigInt(this.options.reader.batchBytes));
    // 0 turns the filter off (tests that observe their own process).
    const agentTgid = Buffer.alloc(4);
    agentTgid.writeUInt32LE(this.options.observeSelf ? 0 : process.pid);
    for (const sensor of this.options.sensors) {
      const spec = sensorSpec(sensor);
      if (!SENSOR_NAMES.includes(sensor) && !existsSync(bpfObjectPath(sensor))) {
        throw new KernelSourceError(
          'UNKNOWN_SENSOR',
          `unknown sensor ${sensor} (known: ${SENSOR_NAMES.join(', ')}; no ${bpfObjectPath(sensor)} either)`,
          sensor,
        );
      }
      const { object, status } = loadSensor(spec, {
        addon,
        owner,
        ringBytes: this.options.ringBytes,
        globals: { ring_wakeup_bytes: wakeupBytes, agent_tgid: agentTgid, ...this.options.globals?.[sensor] },
        features,
        logger: this.options.logger,
      });
      this.statuses.push(status);
      if (!object) continue;
      this.objects.set(sensor, object);
      owner ??= object;
    }
    if (this.objects.size === 0) {
      const reasons = this.statuses.map((s) => (s.state === 'unavailable' ? `${s.sensor}: ${s.reason}` : s.sensor));
      throw new KernelSourceError('NO_SENSORS', `no sensor could be attached: ${reasons.join('; ')}`, '');
    }
  }

  /** Per requested sensor: the variant in use and what it left out, or why it is unavailable. */
  sensorStatus(): readonly SensorStatus[] {
    return this.statuses;
  }

  /** The loaded object of a sensor, for the parts that drive its maps (the policy engine); undefined when it did not attach. */
  sensorObject(sensor: string): NativeBpfObject | undefined {
    return this.objects.get(sensor);
  }

  private startReader(): void {
    const owner = this.objects.values().next().value;
    if (!owner) throw new KernelSourceError('NO_SENSORS', 'no sensors to read from', '');
    const addon = loadNativeAddon();
    const reader: NativeRingReader = new addon.RingReader(owner, 'events', this.options.reader, (batch, records) =>
      this.options.onBatch(batch, records, () => reader.release()),
    );
    this.reader = reader;
  }

  attachedPrograms(): AttachedProgram[] {
    const out: AttachedProgram[] = [];
    for (const [sensor, object] of this.objects) {
      for (const p of object.programs()) {
        if (p.attached) out.push({ sensor, program: p.name, section: p.section, id: p.id });
      }
    }
    return out;
  }

  readerStats(): RingReaderStats | undefined {
    return this.reader?.stats();
  }

  /** Records the kernel could not emit, by reason, op and CPU (non-zero entries only). */
  drops(): KernelDrop[] {
    const owner = this.objects.values().next().value;
    if (!owner) return this.finalDrops;
    const cpus = loadNativeAddon().possibleCpus();
    const key = Buffer.alloc(4);
    const out: KernelDrop[] = [];
    for (let reason = 0; reason < DropReason.REASON_MAX; reason++) {
      for (let op = 0; op < Op.MAX; op++) {
        key.writeUInt32LE(reason * Op.MAX + op);
        const value = owner.mapLookup('drops', key);
        if (!value) continue;
        const perCpu = Array.from({ length: cpus }, (_, cpu) => Number(value.readBigUInt64LE(cpu * 8)));
        const total = perCpu.reduce((a, b) => a + b, 0);
        if (total > 0) out.push({ reason: DROP_REASON_NAMES[reason] ?? 'RING_FULL', op, perCpu, total });
      }
    }
    return out;
  }

  /**
   * Detaches every program first (no new records), then lets the reader deliver what the
   * ring still holds, then frees the maps. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const object of this.objects.values()) object.detach();
      await this.reader?.stop();
      this.finalDrops = this.drops();
      this.closeObjects();
    })();
    return this.closing;
  }

  private closeObjects(): void {
    for (const object of this.objects.values()) object.close();
    this.objects.clear();
  }
}
