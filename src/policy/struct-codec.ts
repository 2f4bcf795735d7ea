// Reads and writes the policy maps' entries by the layouts the compiled BPF object's BTF gives
// (src/events/generated/abi.ts LAYOUTS), so offsets are never restated by hand here.
import { LAYOUTS } from '../events/generated/abi.js';

type Layout = { size: number; fields: Record<string, { offset: number; size: number }> };

function layoutOf(struct: string): Layout {
  const layout = LAYOUTS[struct];
  if (!layout) throw new Error(`no layout for struct ${struct}: run make generate`);
  return layout;
}

export class StructCodec {
  private readonly layout: Layout;

  constructor(readonly struct: string) {
    this.layout = layoutOf(struct);
  }

  get size(): number {
    return this.layout.size;
  }

  alloc(): Buffer {
    return Buffer.alloc(this.layout.size);
  }

  offset(field: string): number {
    const f = this.layout.fields[field];
    if (!f) throw new Error(`no field ${this.struct}.${field}`);
    return f.offset;
  }

  /** Writes an integer field (1, 2, 4 or 8 bytes); element `index` of an array of them. Negative values wrap. */
  set(buf: Buffer, field: string, value: number | bigint, index = 0, elementSize?: number): void {
    const f = this.layout.fields[field];
    if (!f) throw new Error(`no field ${this.struct}.${field}`);
    const size = elementSize ?? f.size;
    const at = f.offset + index * size;
    const v = BigInt.asUintN(size * 8, BigInt(value));
    switch (size) {
      case 1:
        buf.writeUInt8(Number(v), at);
        break;
      case 2:
        buf.writeUInt16LE(Number(v), at);
        break;
      case 4:
        buf.writeUInt32LE(Number(v), at);
        break;
      case 8:
        buf.writeBigUInt64LE(v, at);
        break;
      default:
        throw new Error(`${this.struct}.${field}: cannot write a ${size}-byte integer`);
    }
  }

  /** A struct policy_bits field: the bit set as little-endian 64-bit words. */
  setBits(buf: Buffer, field: string, bits: bigint): void {
    const f = this.layout.fields[field];
    if (!f) throw new Error(`no field ${this.struct}.${field}`);
    for (let w = 0; w < f.size / 8; w++)
      buf.writeBigUInt64LE((bits >> BigInt(64 * w)) & 0xffffffffffffffffn, f.offset + 8 * w);
  }

  setBytes(buf: Buffer, field: string, bytes: Buffer): void {
    const f = this.layout.fields[field];
    if (!f) throw new Error(`no field ${this.struct}.${field}`);
    if (bytes.length > f.size)
      throw new Error(`${this.struct}.${field}: ${bytes.length} bytes do not fit in ${f.size}`);
    bytes.copy(buf, f.offset);
  }

  u64(buf: Buffer, field: string, index = 0, base = 0): bigint {
    return buf.readBigUInt64LE(base + this.offset(field) + 8 * index);
  }

  u32(buf: Buffer, field: string, base = 0): number {
    return buf.readUInt32LE(base + this.offset(field));
  }

  u16(buf: Buffer, field: string, base = 0): number {
    return buf.readUInt16LE(base + this.offset(field));
  }

  u8(buf: Buffer, field: string, base = 0): number {
    return buf.readUInt8(base + this.offset(field));
  }

  bytes(buf: Buffer, field: string, length?: number, base = 0): Buffer {
    const f = this.layout.fields[field];
    if (!f) throw new Error(`no field ${this.struct}.${field}`);
    return buf.subarray(base + f.offset, base + f.offset + (length ?? f.size));
  }
}
