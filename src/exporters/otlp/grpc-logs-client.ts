// The OTLP/gRPC LogsService client: one unary Export call per batch over @grpc/grpc-js (the
// transport the OpenTelemetry JS exporters use), with the request already serialized. Its
// statuses are sorted as the OTLP specification sorts them: retryable or permanent.
import { ChannelCredentials, Client, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';
import { ExportError } from '../../pipeline/component.js';
import type { ClientTls } from '../tls/tls-settings.js';

const EXPORT_LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** OTLP/gRPC: retry these; every other failure is permanent. RESOURCE_EXHAUSTED is retried too (the server is shedding load). */
const RETRYABLE = new Set<number>([
  status.CANCELLED,
  status.DEADLINE_EXCEEDED,
  status.RESOURCE_EXHAUSTED,
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
              permanent: !RETRYABLE.has(err.code),
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
