// A growing byte buffer with the protobuf wire primitives the OTLP log writer needs. A
// length-prefixed message is written by its caller once its size is known, so nothing is ever
// shifted. Short ASCII strings, most of an event's, are measured and copied in JavaScript: a
// call into Buffer's native UTF-8 code costs more than the copy (two per string added up to
// most of a record's encoding).

const TWO_32 = 4294967296;

/** Bytes of a varint holding `v` (0 <= v < 2^53). */
export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let size = 5;
  for (let rest = Math.floor(v / 0x800000000); rest > 0; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

/** Strings longer than this go to the native encoder, which is faster for them. */
const SHORT = 128;

/** UTF-8 length of `s`: its length when it is ASCII (checked in JavaScript when short). */
export function utf8Length(s: string): number {
  if (s.length > SHORT) return Buffer.byteLength(s);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  return s.length;
}

/** Bytes of an int64 varint: a negative value takes ten (two's complement, not zigzag). */
export function int64Size(v: number): number {
  return v < 0 ? 10 : varintSize(v);
}

export class ProtoSink {
  buf: Buffer;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Writes `n` bytes' worth of room first: callers ensure() once per message, then write freely. */
  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  varint(v: number): void {
    if (v <= 0x7fffffff) {
      // The common case, with integer arithmetic.
      let small = v;
      while (small > 0x7f) {
        this.buf[this.pos++] = (small & 0x7f) | 0x80;
        small >>>= 7;
      }
      this.buf[this.pos++] = small;
      return;
    }
    let rest = v;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buf[this.pos++] = rest;
  }

  int64(v: number): void {
    if (v >= 0) {
      this.varint(v);
      return;
    }
    let rest = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buf[this.pos++] = Number(rest);
  }

  double(v: number): void {
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Nanoseconds since the epoch, `seconds * 1e9 + nanos`, as fixed64, without float rounding. */
  fixed64Time(seconds: number, nanos: number): void {
    const low16 = (seconds % 0x10000) * 1e9; // < 2^46
    const high = Math.floor(seconds / 0x10000) * 1e9; // the rest, in units of 2^16
    const sum = low16 + (high % 0x10000) * 0x10000 + nanos; // < 2^47, exact
    const lo = sum % TWO_32;
    const hi = Math.floor(high / 0x10000) + Math.floor(sum / TWO_32);
    this.buf.writeUInt32LE(lo, this.pos);
    this.buf.writeUInt32LE(hi, this.pos + 4);
    this.pos += 8;
  }

  /** A string whose UTF-8 length the caller measured with utf8Length (it sized the enclosing message with it). */
  utf8(s: string, byteLength: number): void {
    if (byteLength === s.length && byteLength <= SHORT) {
      const buf = this.buf;
      let at = this.pos;
      for (let i = 0; i < byteLength; i++) buf[at++] = s.charCodeAt(i);
      this.pos = at;
      return;
    }
    this.pos += this.buf.write(s, this.pos, byteLength, 'utf8');
  }

  bytes(b: Uint8Array, start = 0, end = b.length): void {
    if (end - start <= SHORT) {
      // Attribute keys and the like: copying them here costs less than making a view for set().
      const buf = this.buf;
      let at = this.pos;
      for (let i = start; i < end; i++) buf[at++] = b[i]!;
      this.pos = at;
      return;
    }
    this.buf.set(b.subarray(start, end), this.pos);
    this.pos += end - start;
  }
}
