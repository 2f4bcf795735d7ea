// The OTLP/gRPC LogsService client: one unary Export call per batch over @grpc/grpc-js (the
// transport the OpenTelemetry JS exporters use), with the request already serialized. Its
// statuses are sorted as the OTLP specification sorts them: retryable or permanent.
import { ChannelCredentials, Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';
import { ExportError } from '../../pipeline/component.js';
import type { ClientTls } from '../tls/tls-settings.js';

const EXPORT_LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/**
 * OTLP/gRPC: retry these; every other failure is permanent, and RESOURCE_EXHAUSTED is retried only
 * when the server says it will recover (a RetryInfo in the status details), as the specification says.
 */
const RETRYABLE = new Set<number>([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNAVAILABLE,
  status.DATA_LOSS,
]);

const GZIP = 2; // grpc-js's compression algorithm number

export interface GrpcLogsClientOptions {
  /** `otlp/siem`, for messages. */
  name: string;
  /** host:port */
  address: string;
  /** undefined: plaintext. */
  tls: ClientTls | undefined;
  headers: Readonly<Record<string, string>>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
}

const identity = (b: Buffer): Buffer => b;

const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

function retryable(err: ServiceError): boolean {
  if (RETRYABLE.has(err.code)) return true;
  if (err.code !== status.RESOURCE_EXHAUSTED) return false;
  return err.metadata.get('grpc-status-details-bin').some((d) => Buffer.from(d).includes(RETRY_INFO));
}

/** The server refused the request for its size (grpc-go's max receive message size): smaller ones may pass. */
export function requestTooLarge(err: unknown): boolean {
  const cause = (err as { cause?: ServiceError } | undefined)?.cause;
  return cause?.code === status.RESOURCE_EXHAUSTED && /larger than max/.test(cause.details);
}

export class GrpcLogsClient {
  private readonly client: Client;
  private readonly metadata = new Metadata();

  constructor(private readonly options: GrpcLogsClientOptions) {
    const { tls } = options;
    const credentials = tls
      ? ChannelCredentials.createFromSecureContext(createSecureContext(tls), {
          rejectUnauthorized: tls.rejectUnauthorized,
        })
      : ChannelCredentials.createInsecure();
    this.client = new Client(options.address, credentials, {
      ...(options.compression === 'gzip' && { 'grpc.default_compression_algorithm': GZIP }),
      ...(tls?.servername && { 'grpc.ssl_target_name_override': tls.servername }),
    });
    for (const [key, value] of Object.entries(options.headers)) this.metadata.set(key, value);
  }

  /** Sends one serialized ExportLogsServiceRequest; resolves with the serialized response. */
  export(request: Uint8Array): Promise<Buffer> {
    const { name, address, timeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        EXPORT_LOGS,
        identity,
        identity,
        Buffer.from(request.buffer, request.byteOffset, request.byteLength),
        this.metadata,
        { deadline: Date.now() + timeoutMs },
        (err: ServiceError | null, response?: Buffer) => {
          if (!err) {
            resolve(response ?? Buffer.alloc(0));
            return;
          }
          const code = status[err.code] ?? String(err.code);
          // details is the server's text; metadata (our headers, its trailers) stays out of the message.
          reject(
            new ExportError(`GRPC_${code}`, `${name}: export to ${address}: ${code}: ${err.details}`, {
              permanent: !retryable(err),
              cause: err,
            }),
          );
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
