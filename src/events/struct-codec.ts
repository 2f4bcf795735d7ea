// The one codec for the ABI's structs (bpf/include/events.h, policy.h), laid out as the compiled
// BPF object's BTF says (generated/abi.ts LAYOUTS): the decoder takes the offsets of what the
// generated readers leave out from it, the record encoder and the policy maps write with it, so
// no offset is restated by hand anywhere.
import { LAYOUTS } from './generated/abi.js';

type Layout = { size: number; fields: Record<string, { offset: number; size: number }> };

/** What a field can be written from: an integer (by the field's size), a string (a char array), bytes. */
export type FieldValue = number | bigint | string | Buffer;

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
    return this.field(field).offset;
  }

  fieldSize(field: string): number {
    return this.field(field).size;
  }

  /** Writes an integer field (1, 2, 4 or 8 bytes); element `index` of an array of them. Negative values wrap. */
  set(buf: Buffer, field: string, value: number | bigint, index = 0, elementSize?: number): void {
    const f = this.field(field);
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
    const f = this.field(field);
    for (let w = 0; w < f.size / 8; w++)
      buf.writeBigUInt64LE((bits >> BigInt(64 * w)) & 0xffffffffffffffffn, f.offset + 8 * w);
  }

  setBytes(buf: Buffer, field: string, bytes: Buffer): void {
    const f = this.field(field);
    if (bytes.length > f.size)
      throw new Error(`${this.struct}.${field}: ${bytes.length} bytes do not fit in ${f.size}`);
    bytes.copy(buf, f.offset);
  }

  /**
   * Writes fields (C names) of the struct at `at`: numbers by the field's size (negative ones as
   * two's complement), strings into char arrays (cut to leave the NUL), Buffers as bytes.
   */
  write(buf: Buffer, at: number, values: Readonly<Record<string, FieldValue>>): void {
    for (const [name, value] of Object.entries(values)) {
      const f = this.field(name);
      const where = at + f.offset;
      if (typeof value === 'string') buf.write(value.slice(0, f.size - 1), where, 'utf8');
      else if (Buffer.isBuffer(value)) value.copy(buf, where, 0, f.size);
      else if (f.size === 8) buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(value)), where);
      else buf.writeUIntLE(Number(BigInt.asUintN(f.size * 8, BigInt(value))), where, f.size);
    }
  }

  /** Element `index` of a u64 field (or array of them), in a struct at `base`. */
  u64(buf: Buffer, field: string, index = 0, base = 0): bigint {
    return buf.readBigUInt64LE(base + this.offset(field) + 8 * index);
  }

  /** The field's bytes, for arrays the generated readers leave out. */
  bytes(buf: Buffer, field: string): Buffer {
    const f = this.field(field);
    return buf.subarray(f.offset, f.offset + f.size);
  }

  private field(name: string): { offset: number; size: number } {
    const f = this.layout.fields[name];
    if (!f) throw new Error(`no field ${this.struct}.${name}`);
    return f;
  }
}
