// Generates src/events/generated/abi.ts from the BTF of bpf/build/abi.bpf.o, so the
// TypeScript side never restates the C layout by hand. Run through `make generate`;
// test/abi.test.ts regenerates in memory and fails when the committed file differs.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface BtfMember {
  name: string;
  type_id: number;
  bits_offset: number;
}
interface BtfType {
  id: number;
  kind: string;
  name?: string;
  size?: number;
  type_id?: number;
  members?: BtfMember[];
  values?: { name: string; val: number }[];
  nr_elems?: number;
  bits_data?: number;
  encoding?: string;
}

/** Everything the ABI names: records (…_event), their parts, and enums with this prefix. */
const ABI_ROOT = 'ebpipe_abi';
const ENUM_PREFIX = 'EBPIPE_';

/** The members every record starts with (events.h), read by decode.ts itself. */
const RECORD_PREFIX = new Set(['hdr', 'task']);

/**
 * Map entries user space reads back (src/policy/policy-maps.ts); the others it only writes,
 * through the codec (src/events/struct-codec.ts), so they get no reader.
 */
const READ_MAP_ENTRIES = ['policy_config', 'policy_agg_key', 'policy_agg_value'];

/**
 * u64 fields are read as numbers (exact below 2^53: nanosecond times for 104 days of
 * uptime, ids, counters) except bit masks, which must stay exact: those are bigints.
 */
const BIGINT_FIELDS = new Set(['cap_effective', 'cap_permitted', 'cap_inheritable', 'cap_ambient']);

export interface FieldLayout {
  offset: number;
  size: number;
}
export interface StructLayout {
  size: number;
  fields: Record<string, FieldLayout>;
}

export function readBtf(objectPath: string): Map<number, BtfType> {
  const json = execFileSync('bpftool', ['btf', 'dump', 'file', objectPath, '-j'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const types = (JSON.parse(json) as { types: BtfType[] }).types;
  return new Map(types.map((t) => [t.id, t]));
}

function resolve(types: Map<number, BtfType>, id: number): BtfType {
  let t = types.get(id);
  while (t && (t.kind === 'TYPEDEF' || t.kind === 'VOLATILE' || t.kind === 'CONST')) {
    t = types.get(t.type_id ?? 0);
  }
  if (!t) throw new Error(`btf type ${id} not found`);
  return t;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function pascal(name: string): string {
  const c = camel(name);
  return c[0]!.toUpperCase() + c.slice(1);
}

function sizeOf(types: Map<number, BtfType>, id: number): number {
  const t = resolve(types, id);
  if (t.kind === 'ARRAY') return (t.nr_elems ?? 0) * sizeOf(types, t.type_id ?? 0);
  if (t.kind === 'PTR') return 8;
  return t.size ?? 0;
}

interface Collected {
  structs: Map<string, BtfType>;
  enums: BtfType[];
}

/** Walks ebpipe_abi's members: its enums and its records. */
function collect(types: Map<number, BtfType>): Collected {
  const root = [...types.values()].find((t) => t.kind === 'STRUCT' && t.name === ABI_ROOT);
  if (!root) throw new Error(`struct ${ABI_ROOT} not found: is this bpf/build/abi.bpf.o?`);
  const structs = new Map<string, BtfType>();
  const enums: BtfType[] = [];
  const visitStruct = (t: BtfType): void => {
    if (!t.name || structs.has(t.name)) return;
    for (const m of t.members ?? []) {
      const mt = resolve(types, m.type_id);
      if (mt.kind === 'STRUCT') visitStruct(mt);
    }
    structs.set(t.name, t); // parts before the records that contain them
  };
  for (const m of root.members ?? []) {
    const t = resolve(types, m.type_id);
    if (t.kind === 'ENUM') enums.push(t);
    else if (t.kind === 'STRUCT') visitStruct(t);
  }
  return { structs, enums };
}

interface FieldCode {
  tsType: string;
  read: string;
}

/**
 * `opaque`: structs with no field a reader can produce (only arrays of numbers, such as a
 * map entry's bit sets); they get a size and LAYOUTS but no reader, and members of their type
 * are left out of readers too.
 */
function fieldCode(
  types: Map<number, BtfType>,
  member: BtfMember,
  at: string,
  opaque: ReadonlySet<string>,
  length?: string,
): FieldCode | null {
  const t = resolve(types, member.type_id);
  if (member.name.startsWith('_pad')) return null;
  if (t.kind === 'STRUCT' && opaque.has(t.name ?? '')) return null;
  if (t.kind === 'STRUCT') return { tsType: pascal(t.name ?? ''), read: `read${pascal(t.name ?? '')}(v, ${at})` };
  if (t.kind === 'ARRAY') {
    const elem = resolve(types, t.type_id ?? 0);
    if (elem.kind !== 'INT') throw new Error(`unsupported array member ${member.name}`);
    // A flexible tail (data[]) and arrays of numbers (addresses, group ids) are read by
    // hand: events.h states their layout, and LAYOUTS gives their offsets.
    if ((t.nr_elems ?? 0) === 0 || elem.name !== 'char') return null;
    if (length !== undefined)
      return { tsType: 'string', read: `v.buf.toString('utf8', ${at}, ${at} + Math.min(${length}, ${t.nr_elems}))` };
    return { tsType: 'string', read: `cString(v, ${at}, ${t.nr_elems})` };
  }
  if (t.kind === 'INT' || t.kind === 'ENUM') {
    // Typed-array reads need natural alignment; events.h writes its padding out to keep it.
    if ((member.bits_offset / 8) % (t.size ?? 1) !== 0)
      throw new Error(`member ${member.name} is not aligned to its size`);
    switch (t.size) {
      case 1:
        return { tsType: 'number', read: `v.buf[${at}]!` };
      case 2:
        return { tsType: 'number', read: `v.u16[(${at}) >>> 1]!` };
      case 4:
        return { tsType: 'number', read: `v.u32[(${at}) >>> 2]!` };
      case 8:
        return BIGINT_FIELDS.has(member.name)
          ? { tsType: 'bigint', read: `v.buf.readBigUInt64LE(${at})` }
          : { tsType: 'number', read: `readU64(v, ${at})` };
    }
  }
  throw new Error(`unsupported member ${member.name} of kind ${t.kind}`);
}

export function layoutsFrom(types: Map<number, BtfType>, names: Iterable<string>): Record<string, StructLayout> {
  const byName = new Map([...types.values()].filter((t) => t.kind === 'STRUCT').map((t) => [t.name ?? '', t]));
  const out: Record<string, StructLayout> = {};
  for (const name of names) {
    const t = byName.get(name);
    if (!t) continue;
    const fields: Record<string, FieldLayout> = {};
    for (const m of t.members ?? []) fields[m.name] = { offset: m.bits_offset / 8, size: sizeOf(types, m.type_id) };
    out[name] = { size: t.size ?? 0, fields };
  }
  return out;
}

/**
 * Which structs get a reader: the records (…_event), the parts they are read through, and
 * READ_MAP_ENTRIES; `sized` adds the parts only decode.ts reads (the record prefix), which get
 * their size alone.
 */
function readStructs(
  types: Map<number, BtfType>,
  structs: Map<string, BtfType>,
): { read: Set<string>; sized: Set<string> } {
  const read = new Set<string>();
  const sized = new Set<string>();
  const visit = (name: string, readable: boolean): void => {
    if (readable ? read.has(name) : sized.has(name)) return;
    sized.add(name);
    if (readable) read.add(name);
    for (const m of structs.get(name)?.members ?? []) {
      const mt = resolve(types, m.type_id);
      const prefix = name.endsWith('_event') && RECORD_PREFIX.has(m.name);
      if (mt.kind === 'STRUCT' && mt.name) visit(mt.name, readable && !prefix);
    }
  };
  for (const name of structs.keys()) if (name.endsWith('_event')) visit(name, true);
  for (const name of READ_MAP_ENTRIES) visit(name, true);
  return { read, sized };
}

/** The read of a char array's `<name>_len` member, when the struct says how much of it is filled. */
function lengthOf(types: Map<number, BtfType>, members: readonly BtfMember[], member: BtfMember): string | undefined {
  const length = members.find((m) => m.name === `${member.name}_len`);
  if (!length) return undefined;
  if (resolve(types, length.type_id).size !== 2) throw new Error(`member ${length.name} is not a __u16`);
  return `v.u16[(at + ${length.bits_offset / 8}) >>> 1]!`;
}

export function generateDecoder(objectPath: string): string {
  const types = readBtf(objectPath);
  const { structs, enums } = collect(types);
  const lines: string[] = [
    '// Code generated by scripts/generate-decoder.ts from the BTF of bpf/build/abi.bpf.o. DO NOT EDIT.',
    '// Regenerate with `make generate` after changing bpf/include/events.h.',
    '',
    "import { cString, readU64, type RecordView } from '../record-view.js';",
    '',
  ];
  for (const e of enums) {
    const name = pascal((e.name ?? '').replace(/^ebpipe_/, ''));
    lines.push(`export const ${name} = {`);
    for (const v of e.values ?? []) {
      lines.push(`  ${v.name.replace(ENUM_PREFIX, '').replace(/^(EXEC|DROP|OP)_/, '')}: ${v.val},`);
    }
    lines.push('} as const;', '');
  }
  const { read, sized } = readStructs(types, structs);
  const opaque = new Set<string>();
  for (const [name, t] of structs) {
    if (!sized.has(name)) continue; // written only, through the codec: LAYOUTS has it
    const size = `export const ${name.toUpperCase()}_SIZE = ${t.size};`;
    const members = t.members ?? [];
    const fields = members
      // Every record starts with its header and the acting task: decode.ts reads those once per
      // record straight into the event (record-view.ts), so the record readers skip them.
      .filter((m) => !(name.endsWith('_event') && RECORD_PREFIX.has(m.name)))
      .map((m) => ({ m, code: fieldCode(types, m, `at + ${m.bits_offset / 8}`, opaque, lengthOf(types, members, m)) }))
      .filter((f): f is { m: BtfMember; code: FieldCode } => f.code !== null);
    if (!read.has(name) || fields.length === 0) {
      if (fields.length === 0) opaque.add(name);
      lines.push(`/** struct ${name} (${t.size} bytes): not read field by field, see LAYOUTS */`, size, '');
      continue;
    }
    const type = pascal(name);
    lines.push(`/** struct ${name} (${t.size} bytes) */`);
    lines.push(`export interface ${type} {`);
    for (const { m, code } of fields) lines.push(`  ${camel(m.name)}: ${code.tsType};`);
    lines.push('}', '', size, '');
    lines.push(`/** \`at\` must be 8-byte aligned in the view. */`);
    lines.push(`export function read${type}(v: RecordView, at: number): ${type} {`);
    lines.push('  return {');
    for (const { m, code } of fields) lines.push(`    ${camel(m.name)}: ${code.read},`);
    lines.push('  };', '}', '');
  }
  const layouts = layoutsFrom(types, structs.keys());
  lines.push('/** Sizes and offsets as compiled: the ABI test compares every loaded object against these. */');
  lines.push(
    'export const LAYOUTS: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }> = {',
  );
  for (const [name, layout] of Object.entries(layouts)) {
    lines.push(`  ${name}: {`, `    size: ${layout.size},`, '    fields: {');
    for (const [field, f] of Object.entries(layout.fields)) {
      lines.push(`      ${field}: { offset: ${f.offset}, size: ${f.size} },`);
    }
    lines.push('    },', '  },');
  }
  lines.push('};');
  lines.push('');
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [objectPath, outPath] = process.argv.slice(2);
  if (!objectPath || !outPath) {
    console.error('usage: generate-decoder OBJECT OUT.ts');
    process.exit(2);
  }
  writeFileSync(outPath, generateDecoder(objectPath));
}
