// `otlp` settings: the OpenTelemetry Collector's otlp (gRPC) exporter's names and defaults.
import { z } from 'zod';
import { exporterHelperSettings, timeoutSetting } from '../../pipeline/exporter-settings.js';
import { OTLP_BATCH } from '../otel/otlp-logs.js';
import { tlsSettings } from '../tls/tls-settings.js';

export const otlpSettings = exporterHelperSettings(OTLP_BATCH)
  .extend({
    /** host:port of the OTLP/gRPC server; `http://` means plaintext, `https://` (or none) TLS unless tls.insecure. */
    endpoint: z
      .string()
      .regex(/^(?:https?:\/\/)?[^\s/]+:\d{1,5}\/?$/, 'expected host:port, optionally after http:// or https://'),
    tls: tlsSettings.prefault({}),
    /** gRPC metadata sent with every export (e.g. an API key from ${env:...}); never logged. */
    headers: z.record(z.string(), z.string()).default({}),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    timeout: timeoutSetting(5000),
  })
  .strict();

export type OtlpSettings = z.output<typeof otlpSettings>;

/** The address to dial and whether TLS is off, from the endpoint's scheme and tls.insecure. */
export function grpcTarget(s: OtlpSettings): { address: string; plaintext: boolean } {
  const scheme = /^(https?):\/\//.exec(s.endpoint)?.[1];
  const address = s.endpoint.replace(/^https?:\/\//, '').replace(/\/$/, '');
  return { address, plaintext: scheme === 'http' || (scheme === undefined && s.tls.insecure) };
}
