import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awss3Exporter } from './awss3-exporter.js';
import { joinKey, strftime, unknownConversions, uuidv7 } from './object-key.js';
import { s3ExportError } from './s3-errors.js';

const uploader = { region: 'eu-central-1', s3_bucket: 'databucket' };
const parse = (s: Record<string, unknown>) => awss3Exporter.settings.safeParse(s);
const issues = (s: Record<string, unknown>) =>
  parse(s).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('awss3 settings', () => {
  it('take the Collector names with its defaults, and object-sized batches', () => {
    const s = awss3Exporter.settings.parse({ s3uploader: uploader });
    assert.equal(s.marshaler, 'otlp_json');
    assert.equal(s.s3uploader.s3_partition_format, 'year=%Y/month=%m/day=%d/hour=%H/minute=%M');
    assert.deepEqual(
      [s.s3uploader.compression, s.s3uploader.storage_class, s.s3uploader.s3_force_path_style],
      ['none', 'STANDARD', false],
    );
    assert.deepEqual(s.sending_queue.batch, { min_size: 100_000, max_size: 100_000, flush_timeout: 300_000 });
    assert.equal(s.timeout, 60_000);
  });

  it('refuse what cannot work: unknown keys, half credentials, ocsf_parquet without its layout or with outer compression', () => {
    assert.match(issues({ s3uploader: { ...uploader, bucket: 'x' } }).join(), /Unrecognized key/);
    assert.deepEqual(issues({ s3uploader: { ...uploader, access_key_id: 'AKIA' } }), [
      's3uploader: set both access_key_id and secret_access_key, or neither (the AWS default chain)',
    ]);
    assert.match(issues({ s3uploader: uploader, marshaler: 'ocsf_parquet' }).join(), /^security_lake: .*account_id/);
    assert.match(
      issues({
        s3uploader: { ...uploader, compression: 'gzip' },
        marshaler: 'ocsf_parquet',
        security_lake: { account_id: '123456789012' },
      }).join(),
      /^s3uploader.compression: ocsf_parquet compresses inside the file/,
    );
    assert.match(
      issues({ s3uploader: uploader, marshaler: 'ocsf_parquet', security_lake: { account_id: '42' } }).join(),
      /12-digit/,
    );
    assert.match(issues({ s3uploader: { ...uploader, sse_kms_key_id: 'k' } }).join(), /aws:kms/);
  });

  it('an unknown strftime conversion in the partition is a settings error', () => {
    assert.deepEqual(issues({ s3uploader: { ...uploader, s3_partition_format: '%Y/%Q' } }), [
      's3uploader.s3_partition_format: unknown strftime conversion (known: %Y %m %d %H %M %S %j %%)',
    ]);
  });
});

describe('object names', () => {
  it('partition by strftime in UTC, join without empty parts, sort UUIDv7 by time', () => {
    const t = new Date(Date.UTC(2026, 1, 3, 4, 5, 6));
    assert.equal(
      strftime('year=%Y/month=%m/day=%d/hour=%H/minute=%M/%S %j %%', t),
      'year=2026/month=02/day=03/hour=04/minute=05/06 034 %',
    );
    assert.deepEqual(unknownConversions('%Y%q%m%Z'), ['q', 'Z']);
    assert.equal(joinKey('', 'a/', '/b//c', 'd.json'), 'a/b/c/d.json');
    const ids = [uuidv7(1_000), uuidv7(2_000), uuidv7(2_000)];
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(ids[0]! < ids[1]! && ids[1] !== ids[2]);
  });
});

describe('S3 errors', () => {
  const error = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
    s3ExportError(
      'awss3',
      'PUT s3://b/k',
      Object.assign(new Error(`${name} happened`), {
        name,
        ...(status && { $metadata: { httpStatusCode: status } }),
        ...extra,
      }),
      false,
    );

  it('a retry cannot mend a missing bucket, denied access or a bad signature; it can mend 5xx, throttling, expired tokens and broken connections', () => {
    for (const [name, status] of [
      ['NoSuchBucket', 404],
      ['AccessDenied', 403],
      ['SignatureDoesNotMatch', 403],
      ['InvalidArgument', 400],
    ] as const)
      assert.equal(error(name, status).permanent, true, name);
    for (const [name, status] of [
      ['InternalError', 500],
      ['SlowDown', 503],
      ['ExpiredToken', 400],
      ['RequestTimeout', 400],
      ['Whatever', 429],
    ] as const)
      assert.equal(error(name, status).permanent, false, name);
    const refused = error('Error', undefined, { code: 'ECONNREFUSED' });
    assert.deepEqual([refused.permanent, refused.code], [false, 'S3_ECONNREFUSED']);
    const missing = error('NoSuchBucket', 404);
    assert.equal(missing.code, 'S3_NO_SUCH_BUCKET');
    assert.equal(missing.message, 'awss3: PUT s3://b/k: NoSuchBucket: NoSuchBucket happened (HTTP 404)');
    assert.deepEqual([s3ExportError('awss3', 'PUT', new Error('aborted'), true).code], ['S3_TIMEOUT']);
  });
});
