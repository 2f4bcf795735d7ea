// Appends ring batches to a capture file, one block each, in the order they were given.
// append() resolves once the block is written to the OS, which is when the caller may give
// the batch's ring credit back; close() fsyncs.
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import {
  align8,
  BLOCK_HEADER_SIZE,
  CaptureError,
  encodeHeader,
  MAX_BATCH_BYTES,
  type CaptureHeader,
} from './capture-format.js';

export interface CaptureWriteStats {
  batches: number;
  records: number;
  /** File size, header included. */
  bytes: number;
}

const PADDING = Buffer.alloc(8);

export class CaptureWriter {
  readonly stats: CaptureWriteStats = { batches: 0, records: 0, bytes: 0 };
  /** Blocks are written one after the other; this is the last one queued. */
  private tail: Promise<void> = Promise.resolve();
  /** After a failed write the file ends in a torn block: nothing more is appended. */
  private failure: CaptureError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  /** Creates (or truncates) the file and writes the header. */
  static async create(path: string, header: CaptureHeader): Promise<CaptureWriter> {
    const file = await open(path, 'w').catch((err: unknown) => {
      throw CaptureError.io('opening', 'creating', path, err);
    });
    const writer = new CaptureWriter(path, file);
    try {
      await writer.writeAll([encodeHeader(header)]);
    } catch (err) {
      await file.close();
      throw CaptureError.io('opening', 'writing header of', path, err);
    }
    return writer;
  }

  /** Queues one batch; resolves once it is written to the OS. */
  append(batch: Buffer, records: number): Promise<void> {
    if (this.closing)
      return Promise.reject(
        new CaptureError('CAPTURE_CLOSED', 'sending', `writing capture ${this.path}: already closed`),
      );
    if (batch.length === 0 || records === 0) return this.tail; // nothing to record; the reader takes an empty block for corruption
    if (batch.length > MAX_BATCH_BYTES)
      return Promise.reject(new RangeError(`batch of ${batch.length} bytes is larger than a capture block`));
    const written = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      const head = Buffer.alloc(BLOCK_HEADER_SIZE);
      head.writeUInt32LE(batch.length, 0);
      head.writeUInt32LE(records, 4);
      head.writeUInt32LE(crc32(batch), 8);
      const pad = align8(batch.length) - batch.length;
      try {
        await this.writeAll(pad ? [head, batch, PADDING.subarray(0, pad)] : [head, batch]);
      } catch (err) {
        this.failure = CaptureError.io('sending', 'writing', this.path, err);
        throw this.failure;
      }
      this.stats.batches++;
      this.stats.records += records;
    });
    this.tail = written.catch(() => undefined);
    return written;
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let rest = buffers;
    for (;;) {
      const total = rest.reduce((n, b) => n + b.length, 0);
      const { bytesWritten } = await this.file.writev(rest);
      this.stats.bytes += bytesWritten;
      if (bytesWritten >= total) return;
      // A short write (rare on regular files): carry on from where it stopped.
      rest = [Buffer.concat(rest).subarray(bytesWritten)];
    }
  }

  /** Waits for queued blocks, fsyncs and closes; idempotent. Rejects with the first write error. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.tail;
      try {
        await this.file.sync();
      } finally {
        await this.file.close();
      }
      if (this.failure) throw this.failure;
    })();
    return this.closing;
  }
}
