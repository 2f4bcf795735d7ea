// `tls`, as the OpenTelemetry Collector's configtls client settings, for every exporter that
// dials out (otlp, otlphttp, kafka, splunk_hec, clickhouse): the files are read and checked when
// the exporter is created, so a missing or unreadable file, or one that is not PEM, stops
// start-up naming the pipeline file, line and key.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { z } from 'zod';
import { systemErrorReason } from '../../common/system-error.js';
import { ComponentSettingsError, type ComponentContext } from '../../pipeline/component.js';

const TLS_VERSIONS = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const satisfies Record<string, SecureVersion>;

export const tlsSettings = z
  .object({
    /** gRPC only: plaintext, no TLS at all (an `http://` endpoint means the same). */
    insecure: z.boolean().default(false),
    /** Do not check the server's certificate (testing only: anyone can then read and forge the stream). */
    insecure_skip_verify: z.boolean().default(false),
    /** PEM file of the CAs to trust instead of the system's. */
    ca_file: z.string().min(1).optional(),
    /** PEM client certificate and its key, for mutual TLS. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** The name to check the server's certificate against, instead of the endpoint's host. */
    server_name_override: z.string().min(1).optional(),
    min_version: z.enum(['1.2', '1.3']).default('1.2'),
  })
  .strict()
  .refine((t) => (t.cert_file === undefined) === (t.key_file === undefined), {
    message: 'cert_file and key_file go together',
  });

export type TlsSettings = z.output<typeof tlsSettings>;

/** What node's tls and grpc-js take: the PEM bytes read, the checks to make. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
  minVersion: SecureVersion;
}

type TlsFile = 'ca_file' | 'cert_file' | 'key_file';

function settingError(ctx: ComponentContext, key: TlsFile, reason: string): ComponentSettingsError {
  return new ComponentSettingsError(ctx.origin(['tls', key]), `exporters.${ctx.id}.tls.${key}`, reason);
}

function readPem(ctx: ComponentContext, key: TlsFile, file: string): Buffer {
  const path = resolve(ctx.baseDir, file);
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw settingError(ctx, key, `reading ${path}: ${systemErrorReason(err)}`);
  }
  if (!pem.includes('-----BEGIN ')) throw settingError(ctx, key, `${path} is not a PEM file`);
  return pem;
}

/** Reads and checks the files; the error names where the setting was written. */
export function loadClientTls(settings: TlsSettings, ctx: ComponentContext): ClientTls {
  const tls: ClientTls = {
    rejectUnauthorized: !settings.insecure_skip_verify,
    minVersion: TLS_VERSIONS[settings.min_version],
  };
  if (settings.ca_file) tls.ca = readPem(ctx, 'ca_file', settings.ca_file);
  if (settings.cert_file) tls.cert = readPem(ctx, 'cert_file', settings.cert_file);
  if (settings.key_file) tls.key = readPem(ctx, 'key_file', settings.key_file);
  if (settings.server_name_override) tls.servername = settings.server_name_override;
  try {
    // Parses the PEMs and checks that the key belongs to the certificate, now rather than at the first export.
    createSecureContext({ ...tls });
  } catch (err) {
    throw settingError(ctx, settings.key_file ? 'key_file' : 'ca_file', (err as Error).message);
  }
  return tls;
}
