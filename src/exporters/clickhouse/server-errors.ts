/**
 * A failed request to a ClickHouse server as an ExportError: retryable when trying again can succeed (the
 * network, an overloaded or restarting server, too many parts, a timeout), permanent when the request itself is
 * wrong (syntax, unknown database or table, a type the table does not take, authentication): those drop the
 * batch with the server's code and message, counted, and are never retried forever.
 */
import { ClickHouseError } from '@clickhouse/client';
import { ExportError } from '../../pipeline/component.js';

// ClickHouse error codes (src/Common/ErrorCodes.cpp) a later attempt can get past.
const RETRYABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE: the body was cut off
  23, // CANNOT_READ_FROM_ISTREAM
  32, // ATTEMPT_TO_READ_AFTER_EOF
  159, // TIMEOUT_EXCEEDED
  164, // READONLY: a replica in read-only mode (Keeper away)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  203, // NO_FREE_CONNECTION
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  225, // NO_ZOOKEEPER
  236, // ABORTED
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  279, // ALL_CONNECTION_TRIES_FAILED
  285, // TOO_FEW_LIVE_REPLICAS
  319, // UNKNOWN_STATUS_OF_INSERT
  394, // QUERY_WAS_CANCELLED
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
  1000, // POCO_EXCEPTION
]);

/** `what` failed at `endpoint`: the error to throw from export(). Names the server's code; never a credential. */
export function serverExportError(endpoint: string, what: string, error: unknown): ExportError {
  if (error instanceof ClickHouseError) {
    const code = Number(error.code);
    return new ExportError(
      `${what} at ${endpoint}: Code: ${error.code}. ${error.message.trim()} (${error.type ?? 'UNKNOWN'})`,
      `CLICKHOUSE_${error.type ?? error.code}`,
      !RETRYABLE_CODES.has(code),
      { cause: error },
    );
  }
  const e = error as NodeJS.ErrnoException;
  const timeout = /timeout/i.test(e.message ?? '');
  return new ExportError(
    `${what} at ${endpoint}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}`,
    timeout ? 'CLICKHOUSE_TIMEOUT' : 'CLICKHOUSE_UNREACHABLE',
    false,
    { cause: error },
  );
}

/** True for errors of the connection rather than of the statement: another endpoint may do. */
export function connectionFailed(error: unknown): boolean {
  return !(error instanceof ClickHouseError);
}
