// Readers the generated decoder shares. Records are little-endian (x86_64, arm64).

const TWO_32 = 2 ** 32;

/** A u64 as a number: exact below 2^53, which holds for times, ids and counters. */
export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

/** A NUL-terminated char[max] field. */
export function cString(buf: Buffer, at: number, max: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end === -1 || end > at + max ? at + max : end);
}
