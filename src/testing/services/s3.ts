// An S3 server for a test: Versity's gateway (scripts/services/s3.sh) serving a directory, a
// bucket per subdirectory and an object per file, so what was stored can be read back both
// from the files and through the S3 API (signed here, without ebpipe's SDK).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { freePorts, newStateDir, ServiceInstance, type StartLine } from './instance.js';
import { signS3Request, type S3Credentials } from './s3-signature.js';

export interface S3Line extends StartLine {
  endpoint: string;
  region: string;
  access_key: string;
  secret_key: string;
  buckets: string[];
  data_dir: string;
}

export interface S3Options {
  /** Default: a new temporary directory. */
  stateDir?: string;
  /** Buckets that exist from the start; default `['ebpipe']`. */
  buckets?: readonly string[];
  /** Default us-east-1. */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export interface StoredObject {
  key: string;
  size: number;
}

// Where the gateway keeps uploads in progress (multipart parts, temporary files) in a bucket.
const gatewayInternal = new Set(['.sgwtmp']);

export class S3Server extends ServiceInstance<S3Line> {
  /** http://127.0.0.1:N, for the SDK's `endpoint` with `forcePathStyle`. */
  get endpoint(): string {
    return this.line.endpoint;
  }

  get credentials(): S3Credentials {
    return { accessKeyId: this.line.access_key, secretAccessKey: this.line.secret_key, region: this.line.region };
  }

  /** The first bucket created at start. */
  get bucket(): string {
    const [first] = this.line.buckets;
    if (first === undefined) throw new Error('the S3 server was started without a bucket');
    return first;
  }

  bucketDir(bucket = this.bucket): string {
    return join(this.line.data_dir, bucket);
  }

  /** The complete objects of a bucket, read from the gateway's directory, sorted by key. */
  async listObjects(bucket = this.bucket): Promise<StoredObject[]> {
    const root = this.bucketDir(bucket);
    const objects: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (dir === root && gatewayInternal.has(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile())
          objects.push({ key: relative(root, path).split(sep).join('/'), size: (await stat(path)).size });
      }
    };
    await walk(root);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** An object's bytes, read from the gateway's directory. */
  async readObject(key: string, bucket = this.bucket): Promise<Buffer> {
    return readFile(join(this.bucketDir(bucket), ...key.split('/')));
  }

  /** A signed S3 API request, e.g. `request('PUT', '/ebpipe/a.txt', body)` or `request('GET', '/ebpipe?list-type=2')`. */
  async request(method: string, pathAndQuery: string, body: Buffer = Buffer.alloc(0)): Promise<Response> {
    const url = new URL(pathAndQuery, this.endpoint);
    const headers = signS3Request(method, url, body, this.credentials);
    return fetch(url, { method, headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}) });
  }
}

/** Starts an S3 server on a free port; `close()` it when the test ends. */
export async function startS3(opts: S3Options = {}): Promise<S3Server> {
  const [port] = await freePorts(1);
  const flags = ['--port', String(port), '--region', opts.region ?? 'us-east-1'];
  flags.push('--bucket', (opts.buckets ?? ['ebpipe']).join(','));
  if (opts.accessKeyId !== undefined) flags.push('--access-key', opts.accessKeyId);
  if (opts.secretAccessKey !== undefined) flags.push('--secret-key', opts.secretAccessKey);
  const server = new S3Server('s3', opts.stateDir ?? (await newStateDir('s3')), flags);
  await server.start();
  return server;
}
