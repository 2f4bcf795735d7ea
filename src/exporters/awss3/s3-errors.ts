// What a failed S3 request means for the batch: retry (the server is down or busy, the connection
// broke, a credential expired) or drop (the bucket does not exist, access is denied, the request is
// wrong and will stay wrong), by S3's error code. Messages carry S3's code and message, never
// a credential: the SDK's errors hold none, and nothing here adds one.
import { ExportError } from '../../pipeline/component.js';

/** S3 error codes that a retry cannot mend. */
const PERMANENT = new Set([
  'AccessDenied',
  'AccountProblem',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'InvalidArgument',
  'InvalidBucketName',
  'InvalidBucketState',
  'InvalidRequest',
  'InvalidStorageClass',
  'KMS.DisabledException',
  'KMS.NotFoundException',
  'EntityTooLarge',
  'MethodNotAllowed',
  'NoSuchBucket',
  'NotImplemented',
  'NotSignedUp',
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'SignatureDoesNotMatch',
  'InvalidSecurity',
  'InvalidToken',
  'MissingSecurityHeader',
  'UnresolvableGrantByEmailAddress',
]);

/** 4xx codes that a retry can mend: everything else of 4xx is permanent, all of 5xx is retried. */
const RETRYABLE_CLIENT = new Set([
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'ExpiredToken',
  'TokenRefreshRequired',
  'OperationAborted',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
]);

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The ExportError for a failed `what` (e.g. `PUT s3://bucket/key`); `timedOut` when our own timeout aborted it. */
export function s3ExportError(exporter: string, what: string, err: unknown, timedOut: boolean): ExportError {
  const e = (err ?? {}) as SdkError;
  if (timedOut)
    return new ExportError('S3_TIMEOUT', `${exporter}: ${what}: no answer within the timeout`, { permanent: false });
  const status = e.$metadata?.httpStatusCode;
  // A network error (refused, reset) has a node errno and no HTTP status.
  const errno = e.code ?? (err as { cause?: { code?: string } } | undefined)?.cause?.code;
  const code = e.Code ?? (status === undefined && errno ? errno : e.name) ?? 'RequestFailed';
  const permanent =
    status !== undefined &&
    (PERMANENT.has(code) ||
      (status >= 400 && status < 500 && status !== 408 && status !== 429 && !RETRYABLE_CLIENT.has(code)));
  const detail = e.message && e.message !== code ? `: ${e.message}` : '';
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  return new ExportError(upperSnake(code), `${exporter}: ${what}: ${code}${detail}${http}`, { permanent, cause: err });
}

/** S3's code in ebpipe's casing: NoSuchBucket -> S3_NO_SUCH_BUCKET, ECONNREFUSED -> S3_ECONNREFUSED. */
function upperSnake(code: string): string {
  const snake = code
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toUpperCase();
  return snake.startsWith('S3_') ? snake : `S3_${snake}`;
}
