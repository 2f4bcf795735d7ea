// Which ClickHouse exceptions a later attempt can get past, the same for the embedded engine and a server:
// the rest (syntax, unknown database or table, a type the table refuses, authentication) will fail again.
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

/** True when an exception with this ClickHouse error code (src/Common/ErrorCodes.cpp) may pass on a retry. */
export function retryableClickHouseCode(code: number): boolean {
  return RETRYABLE_CODES.has(code);
}
