// `awss3` settings: the OpenTelemetry Collector's awss3 exporter's names (s3uploader, marshaler,
// sending_queue, retry_on_failure, timeout), with ebpipe's additions marked as such.
import { z } from 'zod';
import { exporterHelperSettings, timeoutSetting } from '../../pipeline/exporter-settings.js';
import { unknownConversions } from './object-key.js';

export const MARSHALERS = ['otlp_json', 'otlp_proto', 'ndjson', 'ocsf_json', 'ocsf_parquet'] as const;
export type Marshaler = (typeof MARSHALERS)[number];

export const COMPRESSIONS = ['none', 'gzip', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

const STORAGE_CLASSES = [
  'STANDARD',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'GLACIER_IR',
  'DEEP_ARCHIVE',
] as const;

const CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;

const s3Uploader = z
  .object({
    /** The bucket's region, e.g. us-east-1; also the region= partition of Security Lake objects. */
    region: z.string().min(1),
    /** The bucket objects are written to. */
    s3_bucket: z.string().min(3).max(63),
    /** Key prefix (a "directory" in the bucket), e.g. `ebpipe/events`; none by default. */
    s3_prefix: z.string().default(''),
    /**
     * strftime partition of keys under the prefix, from the upload time in UTC (%Y %m %d %H %M %S %j %%).
     * Not used by ocsf_parquet, whose layout is Security Lake's.
     */
    s3_partition_format: z
      .string()
      .default('year=%Y/month=%m/day=%d/hour=%H/minute=%M')
      .refine((f) => unknownConversions(f).length === 0, {
        message: 'unknown strftime conversion (known: %Y %m %d %H %M %S %j %%)',
      }),
    /** Start of every object's name, e.g. `host-a_`, so that several agents can share a prefix. */
    file_prefix: z.string().default(''),
    /** The S3 API's URL in place of AWS's for the region, e.g. http://127.0.0.1:9000 for another S3 server. */
    endpoint: z.url({ protocol: /^https?$/ }).optional(),
    /** Bucket in the path (endpoint/bucket/key) rather than the host name: what most other S3 servers want. */
    s3_force_path_style: z.boolean().default(false),
    storage_class: z.enum(STORAGE_CLASSES).default('STANDARD'),
    /** A canned ACL for every object; none (the bucket's default) unless set. */
    acl: z.enum(CANNED_ACLS).optional(),
    /** none, gzip or zstd, of the whole object (the name gets .gz or .zst). ocsf_parquet compresses inside the file. */
    compression: z.enum(COMPRESSIONS).default('none'),
    /** ebpipe's addition: server-side encryption, AES256 (S3-managed keys) or aws:kms. */
    server_side_encryption: z.enum(['AES256', 'aws:kms']).optional(),
    /** ebpipe's addition: the KMS key id or ARN for aws:kms; the bucket's default key without it. */
    sse_kms_key_id: z.string().min(1).optional(),
    /**
     * ebpipe's addition: static credentials, e.g. `${env:S3_ACCESS_KEY_ID}`; never logged. Without them
     * the AWS default chain: environment, shared profile, web identity, container and instance metadata.
     */
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    session_token: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => (s.access_key_id === undefined) === (s.secret_access_key === undefined), {
    message: 'set both access_key_id and secret_access_key, or neither (the AWS default chain)',
  })
  .refine((s) => s.sse_kms_key_id === undefined || s.server_side_encryption === 'aws:kms', {
    message: 'sse_kms_key_id needs server_side_encryption: aws:kms',
  });

const securityLake = z
  .object({
    /** The AWS account of the data lake: the accountId= partition. */
    account_id: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
    /**
     * The custom source of each OCSF class (Security Lake wants one class per source), by class name
     * (process_activity, file_activity, kernel_extension_activity, network_activity,
     * detection_finding, base_event); default `ebpipe_<class>`. Objects go under ext/<source>/.
     */
    sources: z.record(z.string(), z.string().regex(/^[\w\-:.]{1,64}$/)).default({}),
  })
  .strict();

// Objects are batches: by default up to 100k events, or what came in 5 minutes (Security Lake asks
// for objects between every 5 minutes and once a day; S3 bills per request).
const OBJECT_BATCH = { min_size: 100_000, max_size: 100_000, flush_timeout: 300_000 };

export const awss3Settings = exporterHelperSettings(OBJECT_BATCH)
  .extend({
    s3uploader: s3Uploader,
    /** How events are written: otlp_json (default), otlp_proto, ndjson, ocsf_json or ocsf_parquet (Security Lake). */
    marshaler: z.enum(MARSHALERS).default('otlp_json'),
    /** ebpipe's addition, for ocsf_parquet: the Security Lake layout. */
    security_lake: securityLake.optional(),
    /** How long one object's upload may take before it counts as failed (and is retried). */
    timeout: timeoutSetting(60_000),
  })
  .strict()
  .refine((s) => s.marshaler !== 'ocsf_parquet' || s.security_lake !== undefined, {
    message: 'marshaler ocsf_parquet needs security_lake.account_id (the accountId= partition)',
    path: ['security_lake'],
  })
  .refine((s) => s.marshaler !== 'ocsf_parquet' || s.s3uploader.compression === 'none', {
    message: 'ocsf_parquet compresses inside the file (zstd): leave s3uploader.compression at none',
    path: ['s3uploader', 'compression'],
  });

export type Awss3Settings = z.output<typeof awss3Settings>;
