// The capture file (`ebpipe record`, the `replay` receiver): a header saying where and
// with which event ABI the records were taken, then the native reader's batches verbatim,
// each in a length-prefixed, checksummed block so a torn tail is found, not misread.
//
// Header (little-endian), 8-byte aligned:
//    0  8  magic "EBPIPCAP"
//    8  u32 format version (1)
//   12  u32 event ABI version (bpf/include/events.h, AbiVersion.ABI_VERSION)
//   16  i64 clock offset: realtime - boottime in ns on the recording host (events/clock.ts)
//   24  i64 creation time, ns since the Unix epoch
//   32  u16 host name length, u16 kernel release length, u16 boot id length, u16 zero
//   40  host name, kernel release, boot id (UTF-8), zero padding to 8
//       (captures written before the boot id have length 0 there: an unknown boot)
// Then blocks until the end of the file:
//    0  u32 batch length in bytes
//    4  u32 records in the batch
//    8  u32 CRC-32 of the batch bytes
//   12  u32 zero
//   16  the batch as the native reader framed it, zero padding to 8
import { hostname, release } from 'node:os';
import { hostBootId } from '../events/clock.js';
import { AbiVersion } from '../events/generated/abi.js';
import { systemErrorReason } from '../common/system-error.js';
import { EbpipeError, type ErrorStage } from '../common/errors.js';

export const CAPTURE_MAGIC = Buffer.from('EBPIPCAP', 'latin1');
export const CAPTURE_FORMAT_VERSION = 1;
export const FIXED_HEADER_SIZE = 40;
export const BLOCK_HEADER_SIZE = 16;
/** A block longer than this is corruption, not a batch (native batches are a few hundred KiB). */
export const MAX_BATCH_BYTES = 1 << 30;

export interface CaptureHeader {
  abiVersion: number;
  /** Realtime minus boot time on the recording host, so replayed events keep their wall time. */
  clockOffsetNs: bigint;
  /** When the capture was created, ns since the Unix epoch. */
  createdAtNs: bigint;
  hostname: string;
  kernelRelease: string;
  /** The recording host's boot (events/clock.ts hostBootId); '' when unknown. */
  bootId: string;
}

/** A capture that cannot be read or written: a CAPTURE_* code for the format, else the errno code. */
export class CaptureError extends EbpipeError {
  override readonly name = 'CaptureError';

  /** Wraps a file-system error: `${what} capture ${path}: ${cause}`. */
  static io(stage: ErrorStage, what: string, path: string, err: unknown): CaptureError {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    return new CaptureError(code, stage, `${what} capture ${path}: ${systemErrorReason(err)}`, { cause: err });
  }
}

/** The file is not a capture this build can read: found when opening it. */
function formatError(code: string, path: string, reason: string): CaptureError {
  return new CaptureError(code, 'opening', `reading capture ${path}: ${reason}`);
}

export const align8 = (n: number): number => (n + 7) & ~7;

/** The header for a capture taken on this host now. */
export function localCaptureHeader(clockOffsetNs: bigint, nowMs = Date.now()): CaptureHeader {
  return {
    abiVersion: AbiVersion.ABI_VERSION,
    clockOffsetNs,
    createdAtNs: BigInt(nowMs) * 1_000_000n,
    hostname: hostname(),
    kernelRelease: release(),
    bootId: hostBootId(),
  };
}

export function encodeHeader(h: CaptureHeader): Buffer {
  const host = Buffer.from(h.hostname, 'utf8');
  const kernel = Buffer.from(h.kernelRelease, 'utf8');
  const boot = Buffer.from(h.bootId, 'utf8');
  if (host.length > 0xffff || kernel.length > 0xffff || boot.length > 0xffff)
    throw new RangeError('host name, kernel release or boot id longer than 65535 bytes');
  const out = Buffer.alloc(align8(FIXED_HEADER_SIZE + host.length + kernel.length + boot.length));
  CAPTURE_MAGIC.copy(out, 0);
  out.writeUInt32LE(CAPTURE_FORMAT_VERSION, 8);
  out.writeUInt32LE(h.abiVersion, 12);
  out.writeBigInt64LE(h.clockOffsetNs, 16);
  out.writeBigInt64LE(h.createdAtNs, 24);
  out.writeUInt16LE(host.length, 32);
  out.writeUInt16LE(kernel.length, 34);
  out.writeUInt16LE(boot.length, 36);
  host.copy(out, FIXED_HEADER_SIZE);
  kernel.copy(out, FIXED_HEADER_SIZE + host.length);
  boot.copy(out, FIXED_HEADER_SIZE + host.length + kernel.length);
  return out;
}

/** What a file starts with, printable, for "not a capture" errors. */
function describeStart(bytes: Buffer): string {
  if (bytes.length === 0) return 'the file is empty';
  const start = bytes.subarray(0, 8);
  return `starts with ${[...start].map((b) => b.toString(16).padStart(2, '0')).join(' ')} (${JSON.stringify(start.toString('latin1'))}), not "EBPIPCAP"`;
}

/**
 * Parses the header from the first bytes of a file; `size` is how many bytes the header
 * takes (where the first block starts). Throws CaptureError naming the file.
 */
export function decodeHeader(bytes: Buffer, path: string): { header: CaptureHeader; size: number } {
  if (bytes.length < CAPTURE_MAGIC.length || !bytes.subarray(0, CAPTURE_MAGIC.length).equals(CAPTURE_MAGIC)) {
    throw formatError('CAPTURE_NOT_A_CAPTURE', path, `not an ebpipe capture: ${describeStart(bytes)}`);
  }
  if (bytes.length < FIXED_HEADER_SIZE) {
    throw formatError(
      'CAPTURE_HEADER_TRUNCATED',
      path,
      `header cut short at ${bytes.length} of ${FIXED_HEADER_SIZE} bytes`,
    );
  }
  const version = bytes.readUInt32LE(8);
  if (version !== CAPTURE_FORMAT_VERSION) {
    throw formatError(
      'CAPTURE_VERSION_UNSUPPORTED',
      path,
      `capture format version ${version}, this ebpipe reads version ${CAPTURE_FORMAT_VERSION}`,
    );
  }
  const hostLength = bytes.readUInt16LE(32);
  const kernelLength = bytes.readUInt16LE(34);
  const bootLength = bytes.readUInt16LE(36);
  const size = align8(FIXED_HEADER_SIZE + hostLength + kernelLength + bootLength);
  if (bytes.length < size) {
    throw formatError('CAPTURE_HEADER_TRUNCATED', path, `header cut short at ${bytes.length} of ${size} bytes`);
  }
  const header: CaptureHeader = {
    abiVersion: bytes.readUInt32LE(12),
    clockOffsetNs: bytes.readBigInt64LE(16),
    createdAtNs: bytes.readBigInt64LE(24),
    hostname: bytes.toString('utf8', FIXED_HEADER_SIZE, FIXED_HEADER_SIZE + hostLength),
    kernelRelease: bytes.toString(
      'utf8',
      FIXED_HEADER_SIZE + hostLength,
      FIXED_HEADER_SIZE + hostLength + kernelLength,
    ),
    bootId: bytes.toString(
      'utf8',
      FIXED_HEADER_SIZE + hostLength + kernelLength,
      FIXED_HEADER_SIZE + hostLength + kernelLength + bootLength,
    ),
  };
  if (header.abiVersion !== AbiVersion.ABI_VERSION) {
    const created = new Date(Number(header.createdAtNs / 1_000_000n)).toISOString();
    throw formatError(
      'CAPTURE_ABI_MISMATCH',
      path,
      `recorded with event ABI version ${header.abiVersion} (host ${header.hostname}, kernel ${header.kernelRelease}, ${created}), ` +
        `this ebpipe decodes ABI version ${AbiVersion.ABI_VERSION}: record it again with this version`,
    );
  }
  return { header, size };
}
