// Typed-array views over one batch, for the generated readers: records start 8-byte
// aligned (native/src/ring_reader.h) and every field is naturally aligned, so a field is
// one indexed load instead of Buffer's validated byte-by-byte reads.

const TWO_32 = 2 ** 32;

export class RecordView {
  readonly buf: Buffer;
  readonly u16: Uint16Array;
  readonly u32: Uint32Array;

  constructor(batch: Buffer) {
    // A Buffer from a pool can start anywhere; copy the rare misaligned one.
    this.buf = batch.byteOffset % 8 === 0 ? batch : Buffer.from(batch);
    const { buffer, byteOffset, length } = this.buf;
    this.u16 = new Uint16Array(buffer, byteOffset, length >>> 1);
    this.u32 = new Uint32Array(buffer, byteOffset, length >>> 2);
  }
}

/** A u64 as a number: exact below 2^53, which holds for times, ids and counters. */
export function readU64(v: RecordView, at: number): number {
  const i = at >>> 2;
  return v.u32[i]! + v.u32[i + 1]! * TWO_32;
}

/** A NUL-terminated char[max] field. */
export function cString(v: RecordView, at: number, max: number): string {
  const bytes = v.buf;
  let end = at;
  while (end < at + max && bytes[end] !== 0) end++;
  return bytes.toString('utf8', at, end);
}

/** Byte offsets of the members every record starts with (bpf/include/events.h; test/abi.test.ts checks them). */
export const RECORD_HEADER = { cpu: 4, ktime: 8, seq: 16, tgid: 24, pid: 28, startNs: 32 } as const;
