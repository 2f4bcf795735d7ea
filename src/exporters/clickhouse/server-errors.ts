/**
 * A failed request to a ClickHouse server as an ExportError: retryable when trying again can succeed (the
 * network, an overloaded or restarting server, too many parts, a timeout), permanent when the request itself is
 * wrong (syntax, unknown database or table, a type the table does not take, authentication): those drop the
 * batch with the server's code and message, counted, and are never retried forever.
 */
import { ClickHouseError } from '@clickhouse/client';
import { ExportError } from '../../pipeline/component.js';
import { retryableClickHouseCode } from '../../store/error-codes.js';

/** `what` failed at `endpoint`: the error to throw from export(). Names the server's code; never a credential. */
export function serverExportError(endpoint: string, what: string, error: unknown): ExportError {
  if (error instanceof ClickHouseError) {
    const code = Number(error.code);
    return new ExportError(
      `CLICKHOUSE_${error.type ?? error.code}`,
      `${what} at ${endpoint}: Code: ${error.code}. ${error.message.trim()} (${error.type ?? 'UNKNOWN'})`,
      { permanent: !retryableClickHouseCode(code), cause: error },
    );
  }
  const e = error as NodeJS.ErrnoException;
  const timeout = /timeout/i.test(e.message ?? '');
  return new ExportError(
    timeout ? 'CLICKHOUSE_TIMEOUT' : 'CLICKHOUSE_UNREACHABLE',
    `${what} at ${endpoint}: ${e.code ? `${e.code} ` : ''}${e.message ?? String(error)}`,
    { permanent: false, cause: error },
  );
}

/** True for errors of the connection rather than of the statement: another endpoint may do. */
export function connectionFailed(error: unknown): boolean {
  return !(error instanceof ClickHouseError);
}
