// AWS Signature Version 4 for S3 requests, with node's crypto only: lets a test talk to the
// S3 server without the SDK that ebpipe's exporter uses, so the check stays independent.
import { createHash, createHmac } from 'node:crypto';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

// RFC 3986 unreserved characters stay; everything else is %XX (S3 keeps '/' in paths).
function uriEncode(text: string, keepSlash: boolean): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) return c;
      return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** The headers (authorization, x-amz-date, x-amz-content-sha256) that sign `method url` with `body`. */
export function signS3Request(
  method: string,
  url: URL,
  body: Buffer,
  credentials: S3Credentials,
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex(body);
  const sent: Record<string, string> = { 'x-amz-content-sha256': payloadHash, 'x-amz-date': amzDate };
  // fetch sets Host from the URL; it is signed all the same.
  const headers: Record<string, string> = { host: url.host, ...sent };
  const signedHeaders = Object.keys(headers).sort();
  const query = [...url.searchParams.entries()]
    .map(([key, value]) => `${uriEncode(key, false)}=${uriEncode(value, false)}`)
    .sort()
    .join('&');
  const canonicalRequest = [
    method,
    uriEncode(decodeURIComponent(url.pathname), true),
    query,
    ...signedHeaders.map((name) => `${name}:${headers[name]}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${day}/${credentials.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [credentials.region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}
