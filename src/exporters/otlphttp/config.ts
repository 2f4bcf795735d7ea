// `otlphttp` settings: the OpenTelemetry Collector's otlphttp exporter's names and defaults.
import { z } from 'zod';
import { exporterHelperSettings, timeoutSetting } from '../../pipeline/exporter-settings.js';
import { HTTP_COMPRESSIONS } from '../http/http-sender.js';
import { OTLP_BATCH, OTLP_ENCODINGS } from '../otel/otlp-logs.js';
import { tlsSettings } from '../tls/tls-settings.js';

const httpUrl = z
  .string()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'expected an http:// or https:// URL');

export const otlphttpSettings = exporterHelperSettings(OTLP_BATCH)
  .extend({
    /** Base URL of the OTLP/HTTP server; logs go to <endpoint>/v1/logs. */
    endpoint: httpUrl.optional(),
    /** The full URL for logs, in place of <endpoint>/v1/logs. */
    logs_endpoint: httpUrl.optional(),
    /** proto (application/x-protobuf) or json (application/json). */
    encoding: z.enum(OTLP_ENCODINGS).default('proto'),
    tls: tlsSettings.prefault({}),
    /** HTTP headers sent with every export (e.g. Authorization from ${env:...}); never logged. */
    headers: z.record(z.string(), z.string()).default({}),
    compression: z.enum(HTTP_COMPRESSIONS).default('gzip'),
    timeout: timeoutSetting(30_000),
  })
  .strict()
  .refine((s) => s.endpoint !== undefined || s.logs_endpoint !== undefined, {
    message: 'set endpoint (or logs_endpoint)',
  });

export type OtlphttpSettings = z.output<typeof otlphttpSettings>;

export function logsUrl(s: OtlphttpSettings): URL {
  if (s.logs_endpoint) return new URL(s.logs_endpoint);
  const base = new URL(s.endpoint!);
  base.pathname = `${base.pathname.replace(/\/$/, '')}/v1/logs`;
  return base;
}
