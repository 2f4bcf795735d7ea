// The record-batch codecs kafkajs lacks, registered once in its codec table: zstd from Node.js's
// own zlib (Node 22.15 and later), lz4 (the LZ4 frame format Kafka reads) and snappy from napi-rs
// packages that ship their binaries in the npm registry. All compress off the event loop. gzip is
// kafkajs's own. ebpipe never consumes, so decompress is only there because the codec table asks.
import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';
import { compressFrame, decompressFrame } from 'lz4-napi';
import { compress as snappyCompress, uncompress as snappyUncompress } from 'snappy';
import type { KafkaCompression } from './config.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const zstd: Codec = {
  compress: (encoder) => promisify(zstdCompress)(encoder.buffer),
  decompress: (buffer) => promisify(zstdDecompress)(buffer),
};

const lz4: Codec = {
  compress: (encoder) => compressFrame(encoder.buffer),
  decompress: (buffer) => decompressFrame(buffer),
};

// Raw snappy blocks: Kafka's Java clients read them as well as xerial-framed ones.
const snappy: Codec = {
  compress: (encoder) => snappyCompress(encoder.buffer),
  decompress: async (buffer) => Buffer.from(await snappyUncompress(buffer)),
};

const codecTable = CompressionCodecs as unknown as Record<number, () => Codec>;
codecTable[CompressionTypes.ZSTD] = () => zstd;
codecTable[CompressionTypes.LZ4] = () => lz4;
codecTable[CompressionTypes.Snappy] = () => snappy;

const TYPES: Readonly<Record<KafkaCompression, number>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** The kafkajs compression type for a `producer.compression` name; every codec is registered above. */
export function compressionType(name: KafkaCompression): number {
  return TYPES[name];
}
