/**
 * Answers queries from other processes (`ebpipe query`) on a Unix socket beside the data directory. They cannot
 * open the directory while this process has it: the engine holds an exclusive flock on it, and a second engine on
 * the same files is refused, read-only or not. The query runs in the agent's chdb session, next to the inserts.
 *
 * Protocol, one query per connection: the client sends one JSON line `{"sql": "...", "format": "..."}`; the reply
 * is one JSON line, `{"ok":true}` followed by the result text to the end of the stream, or
 * `{"ok":false,"code":"...","message":"..."}`.
 */
import { chmod, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';

import type { EmbeddedClickHouseStore } from './embedded-store.js';
import { isQueryFormat, QUERY_FORMATS, type QueryFormat } from './store-settings.js';
import { ClickHouseStoreError } from './errors.js';

/** Where the store at `storePath` (absolute) takes queries: `<path>.sock`. */
export function querySocketPath(storePath: string): string {
  return `${storePath}.sock`;
}

export type QueryReplyHeader = { ok: true } | { ok: false; code: string; message: string };

const MAX_REQUEST_BYTES = 1 << 20;
// A client that connects and never finishes its request would otherwise hold a socket forever.
const REQUEST_TIMEOUT_MS = 10_000;

function replyError(socket: Socket, code: string, message: string): void {
  const header: QueryReplyHeader = { ok: false, code, message };
  socket.end(`${JSON.stringify(header)}\n`);
}

function parseRequest(line: string): { sql: string; format: QueryFormat } | string {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  const { sql, format } = (request ?? {}) as { sql?: unknown; format?: unknown };
  if (typeof sql !== 'string') return 'request has no string field sql';
  if (typeof format !== 'string' || !isQueryFormat(format)) {
    return `request format must be one of ${QUERY_FORMATS.join(', ')}`;
  }
  return { sql, format };
}

export class StoreQueryServer {
  readonly socketPath: string;
  readonly #store: EmbeddedClickHouseStore;
  #server: Server | undefined;

  constructor(store: EmbeddedClickHouseStore) {
    this.#store = store;
    this.socketPath = querySocketPath(store.path);
  }

  /** Starts listening; the socket is mode 0600, as readable as the data it serves. */
  async listen(): Promise<void> {
    // Half-open: a client ends its side after the request and still reads the reply.
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#serve(socket));
    try {
      await this.#listenOn(server);
    } catch (error) {
      // This process holds the store's lock, so no live server can own this path: the file is left over.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw this.#socketError(error);
      await unlink(this.socketPath);
      await this.#listenOn(server).catch((retry: unknown) => {
        throw this.#socketError(retry);
      });
    }
    await chmod(this.socketPath, 0o600);
    this.#server = server;
  }

  /** Stops taking queries and removes the socket file. Safe to call more than once. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve())); // also unlinks the socket
  }

  #listenOn(server: Server): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  #socketError(error: unknown): ClickHouseStoreError {
    return new ClickHouseStoreError(
      'CLICKHOUSE_QUERY_SOCKET',
      'opening',
      `listening for queries on ${this.socketPath}: ${(error as Error).message}`,
      { cause: error },
    );
  }

  #serve(socket: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    socket.setTimeout(REQUEST_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy()); // the client went away; nothing to tell it
    const stopReading = (): void => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.setTimeout(0); // a long query is fine once the request is in
    };
    const onData = (chunk: Buffer): void => {
      const newline = chunk.indexOf(10);
      chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
      size += chunk.length;
      if (newline === -1 && size <= MAX_REQUEST_BYTES) return;
      stopReading();
      if (newline === -1) {
        replyError(socket, 'CLICKHOUSE_QUERY_SOCKET', `request longer than ${MAX_REQUEST_BYTES} bytes`);
        return;
      }
      void this.#answer(socket, Buffer.concat(chunks).toString('utf8'));
    };
    const onEnd = (): void => {
      stopReading();
      replyError(socket, 'CLICKHOUSE_QUERY_SOCKET', 'request ended before its newline');
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
  }

  async #answer(socket: Socket, line: string): Promise<void> {
    const request = parseRequest(line);
    if (typeof request === 'string') {
      replyError(socket, 'CLICKHOUSE_QUERY_SOCKET', request);
      return;
    }
    try {
      const text = await this.#store.query(request.sql, request.format);
      const header: QueryReplyHeader = { ok: true };
      socket.write(`${JSON.stringify(header)}\n`);
      socket.end(text);
    } catch (error) {
      const code = error instanceof ClickHouseStoreError ? error.code : 'CLICKHOUSE_QUERY_FAILED';
      replyError(socket, code, (error as Error).message);
    }
  }
}
