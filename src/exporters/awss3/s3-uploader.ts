// Puts objects into the bucket with the AWS SDK: one PUT for an object up to PART_SIZE, a multipart
// upload above it (lib-storage: parts in parallel, the upload aborted when a part fails, so an
// object is complete or absent). Resolves only once S3 answered the PUT or the multipart complete
// with success. Retries are the pipeline's (retry_on_failure), so the SDK makes one attempt.
import { S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Awss3Settings } from './config.js';
import type { S3Object } from './object-encoding.js';
import { s3ExportError } from './s3-errors.js';

/** Objects above this go up in parts of this size (S3's minimum part is 5 MiB). */
export const PART_SIZE = 16 << 20;

export class S3Uploader {
  private readonly client: S3Client;

  constructor(
    private readonly s: Awss3Settings['s3uploader'],
    /** Who uploads, for messages: `awss3/lake`. */
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {
    this.client = new S3Client({
      region: s.region,
      ...(s.endpoint !== undefined && { endpoint: s.endpoint }),
      forcePathStyle: s.s3_force_path_style,
      maxAttempts: 1,
      ...(s.access_key_id !== undefined &&
        s.secret_access_key !== undefined && {
          credentials: {
            accessKeyId: s.access_key_id,
            secretAccessKey: s.secret_access_key,
            ...(s.session_token !== undefined && { sessionToken: s.session_token }),
          },
        }),
    });
  }

  /** Resolves once the object is stored; rejects with an ExportError that says whether a retry can help. */
  async put(object: S3Object): Promise<void> {
    const s = this.s;
    const params: PutObjectCommandInput = {
      Bucket: s.s3_bucket,
      Key: object.key,
      Body: object.body,
      ContentType: object.contentType,
      StorageClass: s.storage_class,
      ...(object.contentEncoding !== undefined && { ContentEncoding: object.contentEncoding }),
      ...(s.acl !== undefined && { ACL: s.acl }),
      ...(s.server_side_encryption !== undefined && { ServerSideEncryption: s.server_side_encryption }),
      ...(s.sse_kms_key_id !== undefined && { SSEKMSKeyId: s.sse_kms_key_id }),
    };
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      await new Upload({
        client: this.client,
        params,
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
        abortController: abort,
      }).done();
    } catch (err) {
      throw s3ExportError(this.name, `PUT s3://${s.s3_bucket}/${object.key}`, err, abort.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
