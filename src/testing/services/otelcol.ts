// An OpenTelemetry Collector for a test (scripts/services/otelcol.sh), configured from what the
// test describes, with every signal written by its file exporter for the test to read back.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePorts, newStateDir, ServiceError, ServiceInstance } from './instance.js';
import {
  logRecordsOf,
  metricsOf,
  readExportFile,
  type ExportFile,
  type OtlpLogsRequest,
  type OtlpMetricsRequest,
  type ReceivedLogRecord,
  type ReceivedMetric,
} from './otlp-file.js';

export interface CollectorOptions {
  /** Default: a new temporary directory. */
  stateDir?: string;
  /** The otlp receiver's protocols; default both. `false`: no otlp receiver. */
  otlp?: { grpc?: boolean; http?: boolean } | false;
  /** A splunk_hec receiver (logs and metrics). */
  splunkHec?: SplunkHecOptions;
  /** A kafka receiver (logs) reading from a broker. */
  kafka?: KafkaReceiverOptions;
  /**
   * Count what arrives and keep none of it (the debug exporter, basic verbosity: one log line a
   * request) instead of writing it to the file exporter: for benches, which read nothing back.
   */
  discard?: boolean;
}

export interface SplunkHecOptions {
  /** Indexer acknowledgement through the ack extension (`/services/collector/ack`). */
  ack?: boolean | { extension?: Readonly<Record<string, unknown>> };
  /** Only these HEC tokens are accepted (`Authorization: Splunk <token>`); default any. */
  tokens?: readonly string[];
  /** More splunk_hec receiver settings, as in its config (e.g. `hec_metadata_to_otel_attrs`). */
  settings?: Readonly<Record<string, unknown>>;
}

export interface KafkaReceiverOptions {
  brokers: readonly string[];
  /** Default `otlp_logs`, the receiver's. */
  topic?: string;
  /** `otlp_proto` (default), `otlp_json`, `raw`, `json`, ... as the receiver names them. */
  encoding?: string;
  /** Default `earliest`: what was written before the receiver joined is read too. */
  initialOffset?: 'earliest' | 'latest';
  /** More kafka receiver settings, as in its config (e.g. `group_id`, `auth`). */
  settings?: Readonly<Record<string, unknown>>;
}

export interface CollectorEndpoints {
  /** host:port of the OTLP/gRPC receiver. */
  otlpGrpc: string | null;
  /** Base URL of the OTLP/HTTP receiver (POST `${otlpHttp}/v1/logs`). */
  otlpHttp: string | null;
  /** The HEC event endpoint, `http://127.0.0.1:N/services/collector`. */
  splunkHec: string | null;
}

export interface WaitOptions {
  /** Default 30 s. */
  timeoutMs?: number;
}

const pollIntervalMs = 100;

export class Collector extends ServiceInstance {
  constructor(
    stateDir: string,
    readonly endpoints: CollectorEndpoints,
    configPath: string,
  ) {
    super('otelcol', stateDir, ['--config', configPath]);
  }

  get outDir(): string {
    return join(this.stateDir, 'out');
  }

  /** Every complete logs export request the file exporter wrote, over every run. */
  async readLogs(): Promise<ExportFile<OtlpLogsRequest>> {
    return readExportFile<OtlpLogsRequest>(join(this.outDir, 'logs.jsonl'));
  }

  async readMetrics(): Promise<ExportFile<OtlpMetricsRequest>> {
    return readExportFile<OtlpMetricsRequest>(join(this.outDir, 'metrics.jsonl'));
  }

  async logRecords(): Promise<ReceivedLogRecord[]> {
    return logRecordsOf((await this.readLogs()).requests);
  }

  async metrics(): Promise<ReceivedMetric[]> {
    return metricsOf((await this.readMetrics()).requests);
  }

  /** Resolves to every log record received once there are at least `count`; rejects at the timeout. */
  async waitForLogRecords(count: number, opts: WaitOptions = {}): Promise<ReceivedLogRecord[]> {
    return this.waitFor('log records', count, () => this.logRecords(), opts);
  }

  /** Resolves to every metric received once `done` holds for them; rejects at the timeout. */
  async waitForMetrics(
    done: (metrics: ReceivedMetric[]) => boolean,
    opts: WaitOptions = {},
  ): Promise<ReceivedMetric[]> {
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      const metrics = await this.metrics();
      if (done(metrics)) return metrics;
      if (Date.now() >= deadline) {
        throw new ServiceError(
          `the Collector's metrics did not match within ${opts.timeoutMs ?? 30_000} ms (${metrics.length} metrics)`,
        );
      }
      await sleep(pollIntervalMs);
    }
  }

  private async waitFor<T>(what: string, count: number, read: () => Promise<T[]>, opts: WaitOptions): Promise<T[]> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const items = await read();
      if (items.length >= count) return items;
      if (Date.now() >= deadline) {
        throw new ServiceError(`the Collector received ${items.length} of ${count} ${what} within ${timeoutMs} ms`);
      }
      await sleep(pollIntervalMs);
    }
  }
}

/** Starts a Collector with the receivers described, on free ports; `close()` it when the test ends. */
export async function startCollector(opts: CollectorOptions = {}): Promise<Collector> {
  const stateDir = opts.stateDir ?? (await newStateDir('otelcol'));
  const [grpcPort, httpPort, hecPort] = await freePorts(3);
  const otlp = opts.otlp === false ? null : { grpc: opts.otlp?.grpc ?? true, http: opts.otlp?.http ?? true };
  const endpoints: CollectorEndpoints = {
    otlpGrpc: otlp?.grpc ? `127.0.0.1:${grpcPort}` : null,
    otlpHttp: otlp?.http ? `http://127.0.0.1:${httpPort}` : null,
    splunkHec: opts.splunkHec ? `http://127.0.0.1:${hecPort}/services/collector` : null,
  };
  const configPath = join(stateDir, 'config.yaml');
  await mkdir(join(stateDir, 'out'), { recursive: true });
  // JSON is YAML: the Collector reads it as its config file.
  const config = collectorConfig(opts, join(stateDir, 'out'), { grpcPort, httpPort, hecPort, otlp });
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const collector = new Collector(stateDir, endpoints, configPath);
  await collector.start();
  return collector;
}

interface Ports {
  grpcPort: number | undefined;
  httpPort: number | undefined;
  hecPort: number | undefined;
  otlp: { grpc: boolean; http: boolean } | null;
}

function collectorConfig(opts: CollectorOptions, outDir: string, ports: Ports): Record<string, unknown> {
  const receivers: Record<string, unknown> = {};
  const extensions: Record<string, unknown> = {};
  const logs: string[] = [];
  const metrics: string[] = [];
  const traces: string[] = [];

  if (ports.otlp) {
    const protocols: Record<string, unknown> = {};
    if (ports.otlp.grpc) protocols['grpc'] = { endpoint: `127.0.0.1:${ports.grpcPort}` };
    if (ports.otlp.http) protocols['http'] = { endpoint: `127.0.0.1:${ports.httpPort}` };
    receivers['otlp'] = { protocols };
    logs.push('otlp');
    metrics.push('otlp');
    traces.push('otlp');
  }
  if (opts.splunkHec) {
    const hec: Record<string, unknown> = { endpoint: `127.0.0.1:${ports.hecPort}`, ...opts.splunkHec.settings };
    const { ack, tokens } = opts.splunkHec;
    if (ack) {
      extensions['ack'] = (typeof ack === 'object' && ack.extension) || {};
      hec['ack'] = { extension: 'ack' };
    }
    if (tokens !== undefined) {
      extensions['bearertokenauth/hec'] = { scheme: 'Splunk', tokens };
      hec['auth'] = { authenticator: 'bearertokenauth/hec' };
    }
    receivers['splunk_hec'] = hec;
    logs.push('splunk_hec');
    metrics.push('splunk_hec');
  }
  if (opts.kafka) {
    const { brokers, topic, encoding, initialOffset, settings } = opts.kafka;
    receivers['kafka'] = {
      brokers,
      logs: { topic: topic ?? 'otlp_logs', encoding: encoding ?? 'otlp_proto' },
      initial_offset: initialOffset ?? 'earliest',
      ...settings,
    };
    logs.push('kafka');
  }
  if (logs.length === 0) throw new ServiceError('startCollector: no receiver described');

  // With rotation set, the file exporter writes each export straight to the file before the
  // receiver acknowledges it (without, into a buffer flushed every second, which SIGKILL
  // loses); it appends to an earlier run's file, and at 1 TiB it never rotates.
  const file = (name: string) => ({ path: join(outDir, `${name}.jsonl`), rotation: { max_megabytes: 1 << 20 } });
  const to = (name: string) => [opts.discard ? 'debug' : `file/${name}`];
  const pipelines: Record<string, unknown> = { logs: { receivers: logs, exporters: to('logs') } };
  if (metrics.length > 0) pipelines['metrics'] = { receivers: metrics, exporters: to('metrics') };
  if (traces.length > 0) pipelines['traces'] = { receivers: traces, exporters: to('traces') };
  return {
    extensions,
    receivers,
    exporters: opts.discard
      ? { debug: { verbosity: 'basic' } }
      : { 'file/logs': file('logs'), 'file/metrics': file('metrics'), 'file/traces': file('traces') },
    service: {
      extensions: Object.keys(extensions),
      // The Collector's own metrics would listen on 0.0.0.0:8888, shared by every instance.
      telemetry: { metrics: { level: 'none' } },
      pipelines,
    },
  };
}
