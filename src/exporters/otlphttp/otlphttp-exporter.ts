// `otlphttp`: events as OpenTelemetry log records POSTed to an OTLP/HTTP server, protobuf or
// JSON. Delivered on a 2xx; 429, 502, 503 and 504 are retried (after Retry-After), every other
// status drops the batch as the specification says; a partial success drops what it names.
import type { Event } from '../../events/model.js';
import {
  ExportError,
  type Exporter,
  type ExporterContext,
  type ExporterFactory,
  type PartialExport,
} from '../../pipeline/component.js';
import type { Logger } from '../../telemetry/logger.js';
import { HttpSender } from '../http/http-sender.js';
import { EventRecordMapper } from '../otel/event-record.js';
import {
  encodeLogsRequest,
  OTLP_CONTENT_TYPES,
  partialExport,
  sendSplittingTooLarge,
  type OtlpEncoding,
} from '../otel/otlp-logs.js';
import { loadClientTls } from '../tls/tls-settings.js';
import { logsUrl, otlphttpSettings, type OtlphttpSettings } from './config.js';

const RETRYABLE = new Set([429, 502, 503, 504]);

export class OtlphttpExporter implements Exporter {
  private readonly records: EventRecordMapper;
  private readonly sender: HttpSender;
  private readonly url: URL;
  private readonly encoding: OtlpEncoding;
  private readonly logger: Logger;

  constructor(s: OtlphttpSettings, ctx: ExporterContext) {
    this.records = new EventRecordMapper(ctx.resource);
    this.logger = ctx.logger;
    this.url = logsUrl(s);
    this.encoding = s.encoding;
    this.sender = new HttpSender({
      name: ctx.id,
      headers: s.headers,
      compression: s.compression,
      timeoutMs: s.timeout,
      ...(this.url.protocol === 'https:' && { tls: loadClientTls(s.tls, ctx) }),
    });
  }

  async export(events: readonly Event[]): Promise<PartialExport | void> {
    return sendSplittingTooLarge(
      this.records.toRecords(events),
      async (records) => {
        const body = encodeLogsRequest(records, this.encoding);
        const res = await this.sender.post(this.url, body, OTLP_CONTENT_TYPES[this.encoding]);
        if (res.status < 200 || res.status > 299) throw this.sender.refusal(this.url, res, RETRYABLE);
        return partialExport(res.body, this.encoding, this.logger);
      },
      (err) => err instanceof ExportError && err.code === 'HTTP_413',
    );
  }

  async shutdown(): Promise<void> {
    this.sender.close();
  }
}

export const otlphttpExporter: ExporterFactory<typeof otlphttpSettings> = {
  kind: 'exporter',
  type: 'otlphttp',
  description: 'sends events as OpenTelemetry log records over OTLP/HTTP (protobuf or JSON)',
  settings: otlphttpSettings,
  create: (s, ctx) => new OtlphttpExporter(s, ctx),
};
