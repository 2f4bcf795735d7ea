// `file`: events as NDJSON (one JSON object per line: the shared form of events/json.ts, or
// OCSF events, exporters/ocsf) in a local file, with the OpenTelemetry Collector file exporter's settings and rotation.
// export() resolves once its lines are written to the OS (one write per batch, more only
// where a rotation falls); fsync runs every flush_interval, on rotation and at shutdown,
// so a crash of the agent loses nothing acknowledged and a crash of the host at most one
// flush_interval (0 fsyncs before export() resolves).
import { resolve } from 'node:path';
import { z } from 'zod';
import { duration } from '../../common/units.js';
import { toJsonLine } from '../../events/json.js';
import type { Event } from '../../events/model.js';
import { ExportError, type Exporter, type ExporterContext, type ExporterFactory } from '../../pipeline/component.js';
import { exporterHelperSettings } from '../../pipeline/exporter-settings.js';
import { ocsfJsonLine } from '../ocsf/ocsf-mapper.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { FileOperationError, RotatingFile, type RotationPolicy } from './rotating-file.js';
import { EbpipeError } from '../../common/errors.js';

const rotation = z
  .object({
    /** Rotate before the file would grow past this many MiB (fractions allowed). */
    max_megabytes: z.number().positive().default(100),
    /** Remove backups older than this many days (from the time in their name); unset keeps them. */
    max_days: z.number().positive().optional(),
    /** Backups kept, newest first; 0 keeps them all. */
    max_backups: z.number().int().nonnegative().default(100),
    /** Timestamps in backup names in local time instead of UTC. */
    localtime: z.boolean().default(false),
    /** ebpipe's addition: also rotate once the file has been open this long, e.g. "1h". */
    interval: duration({ min: '1ms' }).optional(),
  })
  .strict();

const settings = exporterHelperSettings()
  .extend({
    /** The active file; relative to the pipeline file's directory. Example: /var/log/ebpipe/events.ndjson */
    path: z.string().min(1),
    /** Without it the file grows without bound. Example: { max_megabytes: 100, max_backups: 10 } */
    rotation: rotation.optional(),
    /** json: one event per line as ebpipe's JSON; ocsf_json: one OCSF event per line (src/exporters/ocsf/MAPPING.md). */
    format: z.enum(['json', 'ocsf_json']).default('json'),
    /** How often written data is fsynced; 0s fsyncs before each export() resolves. */
    flush_interval: duration().default(1000),
  })
  .strict();

export type FileExporterSettings = z.output<typeof settings>;

const MIB = 1 << 20;
const DAY_MS = 86_400_000;

/** A file exporter that cannot start (its directory or file cannot be created or opened). */
export class FileExporterError extends EbpipeError {
  override readonly name = 'FileExporterError';
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, 'opening', message, options);
  }
}

/** Codes of ExportError for failed writes; all of them are retried, as space or rights may come back. */
function exportErrorCode(errno: string): string {
  switch (errno) {
    case 'ENOSPC':
      return 'FILE_NO_SPACE';
    case 'EDQUOT':
      return 'FILE_QUOTA_EXCEEDED';
    case 'EACCES':
    case 'EPERM':
      return 'FILE_PERMISSION_DENIED';
    case 'EROFS':
      return 'FILE_READ_ONLY';
    default:
      return 'FILE_WRITE_FAILED';
  }
}

function rotationPolicy(r: FileExporterSettings['rotation']): RotationPolicy {
  if (!r) return { maxBackups: 0, localtime: false };
  const policy: RotationPolicy = {
    maxBytes: Math.max(1, Math.round(r.max_megabytes * MIB)),
    maxBackups: r.max_backups,
    localtime: r.localtime,
  };
  if (r.max_days !== undefined) policy.maxAgeMs = r.max_days * DAY_MS;
  if (r.interval !== undefined) policy.intervalMs = r.interval;
  return policy;
}

/** How one event becomes one line, by `format`. */
function lineEncoder(format: FileExporterSettings['format'], ctx: ExporterContext): (event: Event) => string {
  if (format === 'json') return toJsonLine;
  const records = new EventRecordMapper(ctx.resource);
  return (event) => ocsfJsonLine(records.toRecord(event));
}

export class FileExporter implements Exporter {
  private readonly file: RotatingFile;
  private readonly line: (event: Event) => string;
  private timer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly s: FileExporterSettings,
    private readonly ctx: ExporterContext,
    now?: () => number,
  ) {
    this.line = lineEncoder(s.format, ctx);
    const rotations = {
      size: ctx.counters.counter('file_rotations_total', { exporter: ctx.id, reason: 'size' }),
      time: ctx.counters.counter('file_rotations_total', { exporter: ctx.id, reason: 'time' }),
    };
    const pruneErrors = ctx.counters.counter('file_prune_errors_total', { exporter: ctx.id });
    this.file = new RotatingFile(resolve(ctx.baseDir, s.path), rotationPolicy(s.rotation), {
      ...(now ? { now } : {}),
      onRotate: (reason, backup) => {
        rotations[reason].add();
        ctx.logger.debug({ exporter: ctx.id, reason, backup }, 'file rotated');
      },
      onPruneError: (err) => {
        pruneErrors.add();
        ctx.logger.warn({ exporter: ctx.id, code: err.code, err: err.message }, 'old backup not removed');
      },
    });
  }

  get path(): string {
    return this.file.path;
  }

  /** Creates the directory and opens the file: a failure stops start-up with the path and cause. */
  async start(): Promise<void> {
    try {
      await this.file.open();
    } catch (err) {
      const e = err as FileOperationError;
      throw new FileExporterError(e.code, `exporter ${this.ctx.id}: ${e.message}`, { cause: err });
    }
    if (this.s.flush_interval > 0 || this.s.rotation?.interval !== undefined) {
      const tick = Math.min(this.s.flush_interval || Infinity, this.s.rotation?.interval ?? Infinity);
      this.timer = setInterval(() => void this.flush(), tick);
      this.timer.unref();
    }
  }

  /** fsync, and a time rotation for a file nothing was written to lately; errors are logged, exports report their own. */
  private async flush(): Promise<void> {
    try {
      await this.file.rotateIfDue();
      await this.file.sync();
    } catch (err) {
      this.ctx.logger.warn({ exporter: this.ctx.id, err: (err as Error).message }, 'periodic flush failed');
    }
  }

  async export(events: readonly Event[]): Promise<void> {
    if (this.stopping) throw new ExportError('FILE_CLOSED', `exporter ${this.ctx.id}: shut down`, { permanent: true });
    let text = '';
    for (const e of events) text += `${this.line(e)}\n`;
    if (text === '') return;
    try {
      await this.file.write(Buffer.from(text));
      if (this.s.flush_interval === 0) await this.file.sync();
    } catch (err) {
      const e = err as FileOperationError;
      throw new ExportError(exportErrorCode(e.code), e.message, { permanent: false, cause: err });
    }
  }

  /** Stops the timer, fsyncs and closes; idempotent. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await this.file.close();
    })();
    return this.stopping;
  }
}

export const fileExporter: ExporterFactory<typeof settings> = {
  kind: 'exporter',
  type: 'file',
  description:
    'writes events as JSON lines to a local file, rotated by size and age (the Collector file exporter settings)',
  settings,
  create: (s, ctx) => new FileExporter(s, ctx),
};
