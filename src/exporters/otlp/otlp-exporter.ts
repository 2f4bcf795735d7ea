// `otlp`: events as OpenTelemetry log records to an OTLP/gRPC server (a Collector, a backend).
// A batch is delivered when the server answered its Export call; the records a partial success
// names are dropped and counted (reason rejected), never retried, as the specification says.
import type { Event } from '../../events/model.js';
import type { Exporter, ExporterContext, ExporterFactory, PartialExport } from '../../pipeline/component.js';
import type { Logger } from '../../telemetry/logger.js';
import { EventRecordMapper } from '../otel/event-record.js';
import { encodeLogsRequest, partialExport, sendSplittingTooLarge } from '../otel/otlp-logs.js';
import { loadClientTls } from '../tls/tls-settings.js';
import { grpcTarget, otlpSettings, type OtlpSettings } from './config.js';
import { GrpcLogsClient, requestTooLarge } from './grpc-logs-client.js';

export class OtlpExporter implements Exporter {
  private readonly records: EventRecordMapper;
  private readonly client: GrpcLogsClient;
  private readonly logger: Logger;

  constructor(s: OtlpSettings, ctx: ExporterContext) {
    this.records = new EventRecordMapper(ctx.resource);
    this.logger = ctx.logger;
    const { address, plaintext } = grpcTarget(s);
    this.client = new GrpcLogsClient({
      name: ctx.id,
      address,
      tls: plaintext ? undefined : loadClientTls(s.tls, ctx),
      headers: s.headers,
      compression: s.compression,
      timeoutMs: s.timeout,
    });
  }

  async export(events: readonly Event[]): Promise<PartialExport | void> {
    return sendSplittingTooLarge(
      this.records.toRecords(events),
      async (records) =>
        partialExport(await this.client.export(encodeLogsRequest(records, 'proto')), 'proto', this.logger),
      requestTooLarge,
    );
  }

  async shutdown(): Promise<void> {
    this.client.close();
  }
}

export const otlpExporter: ExporterFactory<typeof otlpSettings> = {
  kind: 'exporter',
  type: 'otlp',
  description: 'sends events as OpenTelemetry log records over OTLP/gRPC',
  settings: otlpSettings,
  create: (s, ctx) => new OtlpExporter(s, ctx),
};
