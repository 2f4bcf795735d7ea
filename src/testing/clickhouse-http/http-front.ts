/**
 * The ClickHouse HTTP interface in front of the real engine (chdb), for tests and benches of the server mode:
 * no ClickHouse server can be installed on these machines (services.md), so this serves the part of the
 * protocol that `@clickhouse/client` uses, and every statement runs in ClickHouse's own engine, which parses
 * the bytes, checks the types, writes the parts and raises the exceptions.
 *
 * What is ours, not ClickHouse's: the HTTP handling (POST with `query`, `database`, `query_id` and settings as
 * URL parameters, the body as the query or as INSERT data; `/ping`), user and password checking (one user,
 * `X-ClickHouse-User`/`X-ClickHouse-Key`, basic auth or URL parameters), request body decompression (gzip,
 * deflate, br, zstd), the `X-ClickHouse-Summary`/`-Query-Id`/`-Exception-Code` headers, and the HTTP status of
 * an exception (500; 403 for a failed login, with the server's Code 516 text). Statements run one at a time;
 * INSERT data goes to the engine through `INSERT ... FROM INFILE` with the request's settings.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, zstdDecompress } from 'node:zlib';

import { Session } from 'chdb';

import { PayloadSpool, sqlString } from '../../store/payload-spool.js';

/** URL parameters that are not settings (as ClickHouse's HTTP handler reserves them). */
const RESERVED = new Set([
  'query',
  'database',
  'query_id',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
]);

/** Settings that shape the HTTP exchange, handled here rather than by the engine. */
const HTTP_SETTINGS = new Set([
  'enable_http_compression',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
]);

const decompressors: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
  zstd: promisify(zstdDecompress),
};

const INSERT_WITH_DATA = /^\s*INSERT\s+INTO\s+([\s\S]+?)\s+FORMAT\s+(\w+)\s*;?\s*$/i;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENGINE_ERROR = /Code: (\d+)\.[\s\S]*?\(([A-Z0-9_]+)\)/;

export interface HttpFrontOptions {
  /** The engine's data directory. */
  path: string;
  user: string;
  password: string;
}

class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function credentials(req: IncomingMessage, params: URLSearchParams): { user: string; password: string } {
  const header = req.headers['x-clickhouse-user'];
  if (typeof header === 'string') {
    const key = req.headers['x-clickhouse-key'];
    return { user: header, password: typeof key === 'string' ? key : '' };
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const text = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    return { user: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  return { user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
}

function settingValue(value: string): string {
  return /^-?\d+(\.\d+)?$/.test(value) ? value : sqlString(value);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding === 'identity') return body;
  const decompress = decompressors[encoding];
  if (!decompress)
    throw new RequestError(
      400,
      1,
      `Code: 1. DB::Exception: Unknown Content-Encoding ${encoding}. (UNSUPPORTED_METHOD)`,
    );
  return decompress(body);
}

export class ClickHouseHttpFront {
  readonly #session: Session;
  readonly #spool = new PayloadSpool();
  readonly #options: HttpFrontOptions;
  #server: Server | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #version = '';

  constructor(options: HttpFrontOptions) {
    this.#options = options;
    this.#session = new Session(options.path);
  }

  /** Listens on 127.0.0.1:`port` (0 picks one); resolves with the port. */
  async listen(port: number): Promise<number> {
    this.#version = (await this.#session.queryAsync('SELECT version()', { format: 'TSV' })).text().trim();
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await this.#queue.catch(() => undefined);
    this.#session.close();
    this.#spool.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/ping') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    const queryId = url.searchParams.get('query_id') ?? crypto.randomUUID();
    const headers = {
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Server-Display-Name': 'chdb',
      'X-ClickHouse-Timezone': 'UTC',
    };
    try {
      const { user, password } = credentials(req, url.searchParams);
      if (user !== this.#options.user || password !== this.#options.password) {
        throw new RequestError(
          403,
          516,
          `Code: 516. DB::Exception: ${user}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version ${this.#version})`,
        );
      }
      const body = await readBody(req);
      const result = await this.#serially(() => this.#run(url.searchParams, body));
      const summary = {
        read_rows: String(result.rowsRead),
        read_bytes: String(result.bytesRead),
        written_rows: String(result.writtenRows),
        written_bytes: '0',
        total_rows_to_read: '0',
        result_rows: '0',
        result_bytes: String(result.bytes.length),
        elapsed_ns: String(Math.round(result.elapsed * 1e9)),
      };
      res
        .writeHead(200, {
          ...headers,
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Format': result.format,
          'X-ClickHouse-Summary': JSON.stringify(summary),
        })
        .end(result.bytes);
    } catch (error) {
      const failure =
        error instanceof RequestError
          ? error
          : new RequestError(500, 0, error instanceof Error ? error.message : String(error));
      const code = failure.code || Number(ENGINE_ERROR.exec(failure.message)?.[1] ?? 1000);
      res
        .writeHead(failure.status, {
          ...headers,
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Exception-Code': String(code),
        })
        .end(`${failure.message.trim()}\n`);
    }
  }

  /** What ran, one line each on stdout (the service log), for tests to check what a client sent. */
  #log(what: string, settings: readonly [string, string][]): void {
    const applied = settings.map(([k, v]) => `${k}=${v}`).join(' ');
    process.stdout.write(`query: ${what}${applied ? ` settings: ${applied}` : ''}\n`);
  }

  /** One statement at a time: the session's current database and settings belong to the request running. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #run(params: URLSearchParams, body: Buffer) {
    const settings: [string, string][] = [];
    for (const [name, value] of params) {
      if (RESERVED.has(name) || HTTP_SETTINGS.has(name) || name.startsWith('param_')) continue;
      if (!SETTING_NAME.test(name))
        throw new RequestError(400, 115, `Code: 115. DB::Exception: Unknown setting ${name}. (UNKNOWN_SETTING)`);
      settings.push([name, settingValue(value)]);
    }
    const database = params.get('database');
    if (database !== null && database !== '') await this.#session.queryAsync(`USE \`${database.replace(/`/g, '``')}\``);
    const format = params.get('default_format') ?? 'TabSeparated';
    const query = params.get('query');
    const insert = query === null ? null : INSERT_WITH_DATA.exec(query);
    if (query !== null && insert && body.length > 0) {
      const [, target, dataFormat] = insert;
      this.#log(`insert ${target} FORMAT ${dataFormat}, ${body.length} bytes`, settings);
      const clause = settings.length > 0 ? ` SETTINGS ${settings.map(([k, v]) => `${k} = ${v}`).join(', ')}` : '';
      const result = await this.#spool.with(body, (file) =>
        this.#session.queryAsync(`INSERT INTO ${target} FROM INFILE ${sqlString(file)}${clause} FORMAT ${dataFormat}`),
      );
      return {
        bytes: Buffer.alloc(0),
        format,
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
        writtenRows: result.rowsRead,
        elapsed: result.elapsed,
      };
    }
    const statement =
      query === null ? body.toString('utf8') : `${query}${body.length > 0 ? `\n${body.toString('utf8')}` : ''}`;
    this.#log(statement.replace(/\s+/g, ' ').slice(0, 200), settings);
    for (const [name, value] of settings) await this.#session.queryAsync(`SET ${name} = ${value}`);
    try {
      const result = await this.#session.queryAsync(statement, { format });
      return {
        bytes: Buffer.from(result.bytes()),
        format,
        rowsRead: result.rowsRead,
        bytesRead: result.bytesRead,
        writtenRows: 0,
        elapsed: result.elapsed,
      };
    } finally {
      for (const [name] of settings) await this.#session.queryAsync(`SET ${name} = DEFAULT`).catch(() => undefined);
    }
  }
}
