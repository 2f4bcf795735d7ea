// Reads a capture back, batch by batch, in big positional reads: a batch is a view into a
// chunk of several MiB, so reading costs a few syscalls per chunk and no copy per record.
// A torn or corrupt tail (the recorder was killed mid-write) ends the batches and is
// reported in `tornTail`; every complete block before it is returned.
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import {
  align8,
  BLOCK_HEADER_SIZE,
  CaptureError,
  decodeHeader,
  FIXED_HEADER_SIZE,
  MAX_BATCH_BYTES,
  type CaptureHeader,
} from './capture-format.js';

export interface CaptureBatch {
  /** The batch as the native reader framed it (a view into the current chunk; 8-byte aligned). */
  raw: Buffer;
  records: number;
}

export interface TornTail {
  /** File offset of the first block that could not be read. */
  offset: number;
  /** Bytes from there to the end of the file, which are not replayed. */
  bytes: number;
  reason: 'truncated' | 'bad_checksum' | 'bad_block_header';
}

export interface CaptureReaderOptions {
  /** Bytes per read; a block larger than this gets a chunk of its own. */
  chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 8 << 20;
/** Enough for any header: the fixed part and its three u16-length strings. */
const HEADER_READ_BYTES = align8(FIXED_HEADER_SIZE + 3 * 0xffff);

export class CaptureReader {
  /** Set when a pass over the batches stopped before the end of the file. */
  tornTail: TornTail | undefined;
  private readonly chunkBytes: number;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly header: CaptureHeader,
    /** Where the first block starts. */
    private readonly dataOffset: number,
    /** File size when opened; a pass reads up to here. */
    readonly size: number,
    options: CaptureReaderOptions,
  ) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  }

  /** Opens the file and checks its header (magic, format and ABI version). */
  static async open(path: string, options: CaptureReaderOptions = {}): Promise<CaptureReader> {
    const file = await open(path, 'r').catch((err: unknown) => {
      throw CaptureError.io('opening', 'opening', path, err);
    });
    try {
      const { size } = await file.stat();
      const head = Buffer.alloc(Math.min(size, HEADER_READ_BYTES));
      await readFully(file, head, 0, head.length, 0);
      const { header, size: dataOffset } = decodeHeader(head, path);
      return new CaptureReader(path, file, header, dataOffset, size, options);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /** Every complete batch from the first block on; call again for another pass. */
  async *batches(): AsyncGenerator<CaptureBatch, void, undefined> {
    this.tornTail = undefined;
    let chunk = Buffer.alloc(0);
    let chunkOffset = this.dataOffset; // file offset of chunk[0]
    let end = 0; // valid bytes in chunk
    let at = 0; // next block in chunk

    /** Makes `need` bytes from `at` available; false when the file ends first. */
    const fill = async (need: number): Promise<boolean> => {
      if (end - at >= need) return true;
      if (chunkOffset + at + need > this.size) return false;
      const next = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, need)); // unpooled: 8-aligned
      chunk.copy(next, 0, at, end);
      chunkOffset += at;
      end -= at;
      at = 0;
      chunk = next;
      const want = Math.min(chunk.length - end, this.size - (chunkOffset + end));
      end += await readFully(this.file, chunk, end, want, chunkOffset + end).catch((err: unknown) => {
        throw CaptureError.io('receiving', 'reading', this.path, err);
      });
      return end >= need;
    };

    for (;;) {
      const offset = chunkOffset + at;
      if (offset === this.size) return;
      if (!(await fill(BLOCK_HEADER_SIZE))) return this.tear(offset, 'truncated');
      const length = chunk.readUInt32LE(at);
      const records = chunk.readUInt32LE(at + 4);
      const checksum = chunk.readUInt32LE(at + 8);
      // Zeros (a file extended by a crash) or garbage: a real block holds at least one 8-byte-framed record.
      const plausible = length > 0 && length <= MAX_BATCH_BYTES && records > 0 && records * 8 <= length;
      if (!plausible || chunk.readUInt32LE(at + 12) !== 0) return this.tear(offset, 'bad_block_header');
      const blockBytes = BLOCK_HEADER_SIZE + align8(length);
      if (!(await fill(blockBytes))) return this.tear(chunkOffset + at, 'truncated');
      const raw = chunk.subarray(at + BLOCK_HEADER_SIZE, at + BLOCK_HEADER_SIZE + length);
      if (crc32(raw) !== checksum) return this.tear(chunkOffset + at, 'bad_checksum');
      at += blockBytes;
      yield { raw, records };
    }
  }

  private tear(offset: number, reason: TornTail['reason']): void {
    this.tornTail = { offset, bytes: this.size - offset, reason };
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** Reads until `length` bytes are in or the file ends; returns how many were read. */
async function readFully(
  file: FileHandle,
  into: Buffer,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
