// The one HTTP client of the exporters (otlphttp, splunk_hec, ...): keep-alive connections, the
// body compressed off the event loop, a timeout per request, and every way a request can fail
// turned into an ExportError that says whether a retry can help. Header values are never
// written into an error (they carry tokens), not even when a server echoes them back.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gzip, zstdCompress } from 'node:zlib';
import { ExportError } from '../../pipeline/component.js';
import type { ClientTls } from '../tls/tls-settings.js';

export const HTTP_COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;
export type HttpCompression = (typeof HTTP_COMPRESSIONS)[number];

type Compressor = (body: Uint8Array, gzipLevel: number | undefined) => Promise<Buffer>;
const gzipAsync = promisify(gzip);
const zstdAsync = promisify(zstdCompress);
const compressors: Record<Exclude<HttpCompression, 'none'>, Compressor> = {
  gzip: (body, level) => gzipAsync(body, level === undefined ? {} : { level }),
  zstd: (body) => zstdAsync(body),
};

/** Responses are small (a status, a partial success); a bigger one is read up to this and cut. */
const MAX_RESPONSE_BYTES = 1 << 20;

export interface HttpSenderOptions {
  /** Who sends, for messages: `otlphttp/siem`. */
  name: string;
  headers: Readonly<Record<string, string>>;
  compression: HttpCompression;
  /** gzip's level, 1 (fastest) to 9 (smallest); zlib's default (6) when left out. */
  gzipLevel?: number;
  timeoutMs: number;
  /** For https: URLs. */
  tls?: ClientTls;
}

export interface HttpRequestOptions {
  /** In place of the sender's compression for this request (an endpoint that takes plain bodies only). */
  compression?: HttpCompression;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Seconds or an HTTP date, as Retry-After says them; undefined when absent or unreadable. */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * What a server could echo back of the headers sent: each value, and the credential of a
 * `Scheme credential` value (`Splunk <token>`, `Bearer <token>`), longest first.
 */
function secretsOf(headers: Readonly<Record<string, string>>): string[] {
  const secrets = new Set<string>();
  for (const value of Object.values(headers)) {
    if (value) secrets.add(value);
    const credential = value.slice(value.indexOf(' ') + 1).trim();
    if (value.includes(' ') && credential) secrets.add(credential);
  }
  return [...secrets].sort((a, b) => b.length - a.length);
}

export class HttpSender {
  private readonly agent: HttpAgent;
  private readonly secrets: readonly string[];

  constructor(private readonly options: HttpSenderOptions) {
    const agentOptions = { keepAlive: true, maxSockets: 16 };
    this.agent = options.tls ? new HttpsAgent({ ...agentOptions, ...options.tls }) : new HttpAgent(agentOptions);
    this.secrets = secretsOf(options.headers);
  }

  /**
   * POSTs the body and resolves with any response the server gave (the caller judges its status);
   * rejects with a retryable ExportError when there was none: refused, reset, timed out.
   */
  async post(url: URL, body: Uint8Array, contentType: string, opts: HttpRequestOptions = {}): Promise<HttpResponse> {
    const compression = opts.compression ?? this.options.compression;
    const payload = compression === 'none' ? body : await compressors[compression](body, this.options.gzipLevel);
    const headers: Record<string, string | number> = {
      ...this.options.headers,
      'content-type': contentType,
      'content-length': payload.byteLength,
    };
    if (compression !== 'none') headers['content-encoding'] = compression;
    return this.request('POST', url, headers, payload);
  }

  /** A GET (a health check), with the sender's headers; rejects as post() does when there was no response. */
  async get(url: URL): Promise<HttpResponse> {
    return this.request('GET', url, { ...this.options.headers }, undefined);
  }

  private request(
    method: 'GET' | 'POST',
    url: URL,
    headers: Record<string, string | number>,
    payload: Uint8Array | undefined,
  ): Promise<HttpResponse> {
    const { timeoutMs, name } = this.options;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<HttpResponse>((resolve, reject) => {
      const fail = (code: string, reason: string, cause?: unknown) =>
        reject(new ExportError(code, `${name}: ${method} ${url.origin}${url.pathname}: ${reason}`, { permanent: false, cause }));
      const req = send(url, { method, headers, agent: this.agent, timeout: timeoutMs }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', (err) => fail('HTTP_RESPONSE_FAILED', `reading the response: ${err.message}`, err));
      });
      req.on('timeout', () => {
        req.destroy();
        fail('HTTP_TIMEOUT', `no response within ${timeoutMs} ms`);
      });
      req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'HTTP_REQUEST_FAILED', err.message, err));
      req.end(payload);
    });
  }

  /**
   * The ExportError for a response that is not a success: retryable for the statuses the caller names
   * (OTLP: 429, 502, 503, 504), after the server's Retry-After when it gave one; permanent otherwise.
   */
  refusal(url: URL, res: HttpResponse, retryable: ReadonlySet<number>): ExportError {
    const permanent = !retryable.has(res.status);
    const after = retryAfterMs(res.headers);
    const excerpt = this.excerpt(res.body);
    return new ExportError(
      `HTTP_${res.status}`,
      `${this.options.name}: POST ${url.origin}${url.pathname}: HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`,
      after === undefined ? { permanent } : { permanent, retryAfterMs: after },
    );
  }

  /**
   * The part of a response worth printing: the first line of its body, bounded, with every
   * header value this sender sends masked (a server may echo a refused token back).
   */
  excerpt(body: Buffer): string {
    let text = body.toString('utf8', 0, Math.min(body.length, 512)).split('\n')[0]?.trim() ?? '';
    for (const secret of this.secrets) text = text.replaceAll(secret, '***');
    return text;
  }

  close(): void {
    this.agent.destroy();
  }
}
