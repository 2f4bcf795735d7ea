// The kernel side as one unit: loads the sensor objects so they share one ring buffer
// and one set of counters, attaches them, and drains the ring into batches.
import { DropReason, Op } from '../events/generated/abi.js';
import { bpfObjectPath } from '../paths.js';
import type { Logger } from '../telemetry/logger.js';
import {
  loadNativeAddon,
  type NativeBpfObject,
  type NativeRingReader,
  type RingReaderOptions,
  type RingReaderStats,
} from './native.js';
import { preflight } from './preflight.js';

/** Maps every object declares (bpf/lib/maps.bpf.h); the first object creates them. */
const SHARED_MAPS = ['events', 'drops', 'sequence', 'scratch_space'] as const;

export interface KernelSourceOptions {
  /** Object names in bpf/build, without `.bpf.o`. */
  sensors: readonly string[];
  /** Size of the kernel ring buffer: a power of two, a multiple of the page size. */
  ringBytes: number;
  reader: RingReaderOptions;
  /** `const volatile` settings per sensor object, written before load. */
  globals?: Readonly<Record<string, Readonly<Record<string, Buffer>>>>;
  /** Called for every batch; `release` must be called once the batch is consumed. */
  onBatch(batch: Buffer, records: number, release: () => void): void;
  logger: Logger;
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

export class KernelSourceError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly sensor: string,
  ) {
    super(message);
  }
}

const DROP_REASON_NAMES = Object.fromEntries(
  Object.entries(DropReason).map(([name, value]) => [value, name as keyof typeof DropReason]),
);

export class KernelSource {
  private readonly objects = new Map<string, NativeBpfObject>();
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

  private loadSensors(): void {
    const addon = loadNativeAddon();
    let owner: NativeBpfObject | undefined;
    const wakeupBytes = Buffer.alloc(8);
    wakeupBytes.writeBigUInt64LE(BigInt(this.options.reader.batchBytes));
    for (const sensor of this.options.sensors) {
      const object = this.wrap(sensor, 'opening', () => new addon.BpfObject(bpfObjectPath(sensor)));
      this.objects.set(sensor, object);
      const globals = { ring_wakeup_bytes: wakeupBytes, ...this.options.globals?.[sensor] };
      for (const [name, value] of Object.entries(globals)) {
        this.wrap(sensor, `setting ${name}`, () => object.setGlobal(name, value));
      }
      if (owner) {
        const first = owner;
        for (const map of SHARED_MAPS) this.wrap(sensor, `sharing ${map}`, () => object.reuseMap(map, first));
      } else {
        this.wrap(sensor, 'sizing ring buffer', () => object.setMaxEntries('events', this.options.ringBytes));
      }
      this.wrap(sensor, 'loading', () => object.load());
      owner ??= object;
      const attached = this.wrap(sensor, 'attaching', () => object.attach());
      this.options.logger.info({ sensor, programs: attached }, 'sensor attached');
    }
  }

  private wrap<T>(sensor: string, what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = err as Error & { code?: string };
      const hint = e.code === 'EPERM' || e.code === 'EACCES' ? ' (need root, or CAP_BPF and CAP_PERFMON)' : '';
      throw new KernelSourceError(`${what} sensor ${sensor}: ${e.message}${hint}`, e.code ?? 'EBPF', sensor);
    }
  }

  private startReader(): void {
    const owner = this.objects.values().next().value;
    if (!owner) throw new KernelSourceError('no sensors to read from', 'NO_SENSORS', '');
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
