// Records as OTLP ExportLogsServiceRequest bytes, protobuf (otlp-logs-proto.ts) or JSON (the
// OpenTelemetry JS serializer, otlp-transformer, pinned: its serializers are marked experimental),
// and what an ExportLogsServiceResponse says was refused. Shared by the otlp, otlphttp and kafka exporters.
import {
  JsonLogsSerializer,
  ProtobufLogsSerializer,
  type IExportLogsServiceResponse,
} from '@opentelemetry/otlp-transformer';
import type { PartialExport } from '../../pipeline/component.js';
import type { BatchDefaults } from '../../pipeline/exporter-settings.js';
import type { Logger } from '../../telemetry/logger.js';
import type { EventLogRecord } from './log-record.js';
import { OtlpLogsProtoWriter } from './otlp-logs-proto.js';

export const OTLP_ENCODINGS = ['proto', 'json'] as const;
export type OtlpEncoding = (typeof OTLP_ENCODINGS)[number];

/**
 * Events per export by default: an enriched event is about 1 KB of protobuf, and a Collector's gRPC
 * receiver refuses requests over 4 MiB (a bigger one is split, at the cost of encoding it twice).
 */
export const OTLP_BATCH: BatchDefaults = { min_size: 0, max_size: 2048, flush_timeout: 200 };

export const OTLP_CONTENT_TYPES: Readonly<Record<OtlpEncoding, string>> = {
  proto: 'application/x-protobuf',
  json: 'application/json',
};

const protoWriter = new OtlpLogsProtoWriter();

/** Protobuf by ebpipe's writer (the same bytes as the OpenTelemetry serializer's, faster); JSON by the serializer. */
export function encodeLogsRequest(records: EventLogRecord[], encoding: OtlpEncoding): Uint8Array {
  return encoding === 'proto' ? protoWriter.encode(records) : JsonLogsSerializer.serializeRequest(records)!;
}

/** The response's partial success: how many records the server refused and why; none when it took all. */
export function logsRejected(
  response: Uint8Array,
  encoding: OtlpEncoding,
): { rejected: number; message: string } | undefined {
  if (response.length === 0) return undefined;
  let decoded: IExportLogsServiceResponse;
  try {
    decoded = (encoding === 'proto' ? ProtobufLogsSerializer : JsonLogsSerializer).deserializeResponse(response);
  } catch {
    // The export itself succeeded; an unreadable response says nothing of refusals.
    return undefined;
  }
  const partial = decoded.partialSuccess;
  // int64 arrives as a number, a bigint-safe string (JSON) or a Long-like object, depending on the encoding.
  const rejected = Number(partial?.rejectedLogRecords ?? 0);
  if (!partial || !(rejected > 0)) return undefined;
  return { rejected, message: partial.errorMessage ?? '' };
}

/** The export's partial success as the queue counts it (reason `rejected`), logged with the server's reason. */
export function partialExport(response: Uint8Array, encoding: OtlpEncoding, logger: Logger): PartialExport | undefined {
  const refused = logsRejected(response, encoding);
  if (!refused) return undefined;
  logger.warn({ rejected: refused.rejected, reason: refused.message }, 'the server refused some log records');
  return { rejected: refused.rejected, reason: 'rejected' };
}

/**
 * Sends the records; when the destination refuses a request for its size, sends each half on its
 * own, down to single records, which are then dropped and counted (reason too_large): one event
 * too big for the destination never holds up the others.
 */
export async function sendSplittingTooLarge(
  records: EventLogRecord[],
  send: (records: EventLogRecord[]) => Promise<PartialExport | undefined>,
  tooLarge: (err: unknown) => boolean,
): Promise<PartialExport | undefined> {
  try {
    return await send(records);
  } catch (err) {
    if (!tooLarge(err)) throw err;
    if (records.length === 1) return { rejected: 1, reason: 'too_large' };
    const half = Math.ceil(records.length / 2);
    const first = await sendSplittingTooLarge(records.slice(0, half), send, tooLarge);
    const second = await sendSplittingTooLarge(records.slice(half), send, tooLarge);
    const rejected = (first?.rejected ?? 0) + (second?.rejected ?? 0);
    return rejected === 0 ? undefined : { rejected, reason: first?.reason ?? second!.reason };
  }
}
