/**
 * The query path of `ebpipe query`: through the running agent's socket when there is one, else by opening the
 * data directory directly (nothing else has it then).
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';

import type { EmbeddedStoreOptions } from './embedded-store.js';
import { DEFAULT_STORE_PATH, type QueryFormat } from './store-settings.js';
import { ClickHouseStoreError, type ClickHouseStoreErrorCode } from './errors.js';
import { querySocketPath, type QueryReplyHeader } from './query-server.js';

function socketError(socketPath: string, error: Error): ClickHouseStoreError {
  return new ClickHouseStoreError(
    'CLICKHOUSE_QUERY_SOCKET',
    'querying',
    `querying through ${socketPath}: ${error.message}`,
    {
      cause: error,
    },
  );
}

function parseReply(socketPath: string, reply: Buffer): string {
  const newline = reply.indexOf(10);
  let header: QueryReplyHeader;
  try {
    header = JSON.parse(
      reply.subarray(0, newline === -1 ? reply.length : newline).toString('utf8'),
    ) as QueryReplyHeader;
  } catch {
    throw socketError(socketPath, new Error('reply has no header line (agent stopped mid-query?)'));
  }
  if (!header.ok) {
    throw new ClickHouseStoreError(header.code as ClickHouseStoreErrorCode, 'querying', header.message);
  }
  return newline === -1 ? '' : reply.subarray(newline + 1).toString('utf8');
}

/** The agent's answer, or undefined when no agent listens (no socket file, or one left by an agent that is gone). */
function queryThroughSocket(socketPath: string, sql: string, format: QueryFormat): Promise<string | undefined> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let connected = false;
    const socket = connect(socketPath, () => {
      connected = true;
      socket.end(`${JSON.stringify({ sql, format })}\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) resolvePromise(undefined);
      else reject(socketError(socketPath, error));
    });
    socket.on('end', () => {
      try {
        resolvePromise(parseReply(socketPath, Buffer.concat(chunks)));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/** Runs `sql` against the store at `options.path` and returns the engine's text in `format`. */
export async function queryStore(
  sql: string,
  format: QueryFormat,
  options: EmbeddedStoreOptions = {},
): Promise<string> {
  const path = resolve(options.path ?? DEFAULT_STORE_PATH);
  const answer = await queryThroughSocket(querySocketPath(path), sql, format);
  if (answer !== undefined) return answer;
  if (!existsSync(path)) {
    throw new ClickHouseStoreError(
      'CLICKHOUSE_OPEN_FAILED',
      'opening',
      `opening clickhouse store at ${path}: no such directory`,
    );
  }
  // Loaded only here: through the agent's socket the engine is never needed in this process.
  const { EmbeddedClickHouseStore } = await import('./embedded-store.js');
  const store = new EmbeddedClickHouseStore({ ...options, path });
  try {
    return await store.query(sql, format);
  } finally {
    await store.close();
  }
}
