// A minimal Kubernetes API client: GET a JSON object, or follow a watch stream (one JSON
// object per line). What the pod provider needs and no more; the official client would
// bring a dozen dependencies (websockets, tar, OIDC) for three read-only endpoints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { EbpipeError } from '../../common/errors.js';

export interface KubeApiOptions {
  /** e.g. https://10.96.0.1:443 (in a pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT). */
  server: string;
  /** Bearer token file, read at every request because projected tokens rotate. */
  tokenFile?: string;
  /** CA bundle that signed the server's certificate. */
  caFile?: string;
  /** Per request, until the response starts; default 10 s. */
  timeoutMs?: number;
}

export class KubernetesApiError extends EbpipeError {
  override readonly name = 'KubernetesApiError';

  /**
   * @param code `HTTP_<status>`, `NETWORK`, `TIMEOUT`, `BAD_JSON` or `BAD_TOKEN_FILE`
   * @param status the HTTP status, when the server answered
   */
  constructor(
    code: string,
    message: string,
    readonly status?: number,
  ) {
    super(code, 'receiving', message);
  }
}

/**
 * The API as a pod sees it: the address from the service environment variables, the token
 * and CA of the pod's service account. Undefined outside a cluster.
 */
export function inClusterApi(
  env: NodeJS.ProcessEnv = process.env,
  serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount',
): KubeApiOptions | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) return undefined;
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tokenFile: join(serviceAccountDir, 'token'),
    caFile: join(serviceAccountDir, 'ca.crt'),
  };
}

/** One line of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class KubeApiClient {
  private readonly url: URL;
  private readonly ca: Buffer | undefined;
  private readonly timeoutMs: number;

  constructor(private readonly options: KubeApiOptions) {
    this.url = new URL(options.server);
    this.ca = options.caFile === undefined ? undefined : readFileSync(options.caFile);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.open(path, signal);
    let body = '';
    response.setEncoding('utf8');
    for await (const chunk of response) body += chunk as string;
    try {
      return JSON.parse(body);
    } catch (err) {
      throw new KubernetesApiError('BAD_JSON', `kubernetes api ${path}: response is not json: ${errorText(err)}`);
    }
  }

  /** Calls onEvent for every line of a watch stream; resolves when the server ends it. */
  async watch(path: string, onEvent: (event: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    const response = await this.open(path, signal);
    response.setEncoding('utf8');
    let pending = '';
    for await (const chunk of response) {
      pending += chunk as string;
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line === '') continue;
        let event: WatchEvent;
        try {
          event = JSON.parse(line) as WatchEvent;
        } catch (err) {
          throw new KubernetesApiError('BAD_JSON', `kubernetes api watch ${path}: line is not json: ${errorText(err)}`);
        }
        onEvent(event);
      }
    }
  }

  /** Resolves with a 200 response; anything else rejects with its status and the server's message. */
  private open(path: string, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.tokenFile !== undefined) headers['authorization'] = `Bearer ${this.token(this.options.tokenFile)}`;
    const target = new URL(path, this.url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        { method: 'GET', headers, ...(this.ca && { ca: this.ca }), ...(signal && { signal }) },
        (res) => {
          req.setTimeout(0); // a watch stays open as long as the server keeps it
          if (res.statusCode === 200) {
            resolve(res);
            return;
          }
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            let detail = body.slice(0, 200);
            try {
              detail = (JSON.parse(body) as { message?: string }).message ?? detail;
            } catch {
              // not a Status object: keep the text
            }
            reject(
              new KubernetesApiError(
                `HTTP_${status}`,
                `kubernetes api ${target.pathname}: ${status} ${detail}`,
                status,
              ),
            );
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(
          new KubernetesApiError(
            'TIMEOUT',
            `kubernetes api ${target.pathname}: no response within ${this.timeoutMs} ms`,
          ),
        );
      });
      req.on('error', (err) => {
        reject(
          err instanceof KubernetesApiError
            ? err
            : new KubernetesApiError('NETWORK', `kubernetes api ${target.host}: ${errorText(err)}`),
        );
      });
      req.end();
    });
  }

  private token(file: string): string {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new KubernetesApiError('BAD_TOKEN_FILE', `kubernetes token file ${file}: ${errorText(err)}`);
    }
  }
}
