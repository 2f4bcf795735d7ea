import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RecordDecoder } from '../events/decode.js';
import { AbiVersion } from '../events/generated/abi.js';
import type { Event } from '../events/model.js';
import {
  BLOCK_HEADER_SIZE,
  CaptureError,
  encodeHeader,
  localCaptureHeader,
  type CaptureHeader,
} from './capture-format.js';
import { CaptureReader, type CaptureBatch } from './capture-reader.js';
import { CaptureWriter } from './capture-writer.js';
import { syntheticBatch } from '../testing/synthetic-capture.js';

const dir = mkdtempSync(join(tmpdir(), 'ebpipe-capture-'));
let n = 0;
const tempPath = (): string => join(dir, `c${n++}.ebcap`);

const header: CaptureHeader = {
  abiVersion: AbiVersion.ABI_VERSION,
  clockOffsetNs: 1_700_000_000_123_456_789n,
  createdAtNs: 1_700_000_100_000_000_000n,
  hostname: 'höst-1',
  kernelRelease: '6.18.0-test',
  bootId: '3f1c2d4e-0000-4000-8000-000000000001',
};

/** Batches of 1, 2, ... records, numbered on. */
function batches(count: number): { raw: Buffer; records: number }[] {
  const out = [];
  let first = 0;
  for (let b = 1; b <= count; b++) {
    out.push({ raw: syntheticBatch(first, b), records: b });
    first += b;
  }
  return out;
}

async function writeCapture(path: string, blocks: { raw: Buffer; records: number }[], h = header): Promise<void> {
  const writer = await CaptureWriter.create(path, h);
  for (const b of blocks) await writer.append(b.raw, b.records);
  await writer.close();
}

async function readAll(path: string, chunkBytes?: number): Promise<{ reader: CaptureReader; got: CaptureBatch[] }> {
  const reader = await CaptureReader.open(path, chunkBytes === undefined ? {} : { chunkBytes });
  const got: CaptureBatch[] = [];
  for await (const b of reader.batches()) got.push({ raw: Buffer.from(b.raw), records: b.records });
  await reader.close();
  return { reader, got };
}

async function rejectsWith(path: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(CaptureReader.open(path), (err: unknown) => {
    assert.ok(err instanceof CaptureError);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('capture files', () => {
  test('round trip: the header and every batch come back byte for byte, whatever the chunk size', async () => {
    const path = tempPath();
    const written = batches(12);
    await writeCapture(path, written);
    for (const chunkBytes of [undefined, 64, 1000]) {
      const { reader, got } = await readAll(path, chunkBytes);
      assert.deepEqual(reader.header, header);
      assert.equal(reader.tornTail, undefined);
      assert.equal(got.length, written.length, `chunk ${chunkBytes}`);
      got.forEach((b, i) => {
        assert.equal(b.records, written[i]?.records);
        assert.ok(b.raw.equals(written[i]!.raw), `batch ${i} with chunk ${chunkBytes}`);
      });
    }
  });

  test('batches decode as they were encoded, with records 8-byte aligned in the chunk', async () => {
    const path = tempPath();
    await writeCapture(path, batches(5));
    const reader = await CaptureReader.open(path, { chunkBytes: 4096 });
    const decoder = new RecordDecoder(reader.header.clockOffsetNs);
    const events: Event[] = [];
    for await (const b of reader.batches()) {
      assert.equal(b.raw.byteOffset % 8, 0);
      decoder.decodeBatch(b.raw, events);
    }
    await reader.close();
    assert.equal(events.length, 15);
    assert.deepEqual(
      events.map((e) => e.origin.seq),
      Array.from({ length: 15 }, (_, i) => i),
    );
    const exec = events[0];
    assert.ok(exec?.kind === 'process.exec');
    assert.deepEqual(exec.argv, ['/usr/bin/worker', '--job=0', '--verbose']);
    assert.equal(exec.origin.clockOffsetNs, header.clockOffsetNs);
    assert.deepEqual(decoder.stats, { decoded: 15, unknownOp: 0, truncated: 0, badFraming: 0 });
  });

  test('a second pass reads the file again from the first block', async () => {
    const path = tempPath();
    await writeCapture(path, batches(3));
    const reader = await CaptureReader.open(path);
    for (let pass = 0; pass < 2; pass++) {
      let records = 0;
      for await (const b of reader.batches()) records += b.records;
      assert.equal(records, 6);
    }
    await reader.close();
  });

  test('a capture with no batches reads back as none', async () => {
    const path = tempPath();
    await writeCapture(path, []);
    const { got, reader } = await readAll(path);
    assert.equal(got.length, 0);
    assert.equal(reader.tornTail, undefined);
  });

  test('a torn tail: every complete batch is read, the rest is reported with its offset and size', async () => {
    const path = tempPath();
    const written = batches(6);
    await writeCapture(path, written);
    const full = statSync(path).size;
    const lastBlock = BLOCK_HEADER_SIZE + written[5]!.raw.length;
    // Cut inside the last block's data, then inside its block header.
    for (const cut of [full - 8, full - lastBlock + 5]) {
      const torn = tempPath();
      writeFileSync(torn, readFileSync(path).subarray(0, cut));
      const { reader, got } = await readAll(torn, 256);
      assert.equal(got.length, 5, `cut at ${cut}`);
      assert.ok(got.every((b, i) => b.raw.equals(written[i]!.raw)));
      assert.deepEqual(reader.tornTail, {
        offset: full - lastBlock,
        bytes: cut - (full - lastBlock),
        reason: 'truncated',
      });
    }
  });

  test('a block whose bytes do not match its checksum ends the batches there', async () => {
    const path = tempPath();
    const written = batches(4);
    await writeCapture(path, written);
    const bytes = readFileSync(path);
    const thirdBlock = bytes.length - 2 * BLOCK_HEADER_SIZE - written[2]!.raw.length - written[3]!.raw.length;
    const flip = thirdBlock + BLOCK_HEADER_SIZE + 40;
    bytes.writeUInt8(bytes.readUInt8(flip) ^ 0xff, flip);
    writeFileSync(path, bytes);
    const { reader, got } = await readAll(path);
    assert.equal(got.length, 2);
    assert.deepEqual(reader.tornTail, { offset: thirdBlock, bytes: bytes.length - thirdBlock, reason: 'bad_checksum' });
  });

  test('zeros where a block should be (a crash extended the file) are a bad block header, not batches', async () => {
    const path = tempPath();
    await writeCapture(path, batches(2));
    const size = statSync(path).size;
    truncateSync(path, size + 4096);
    const { reader, got } = await readAll(path);
    assert.equal(got.length, 2);
    // CRC-32 of no bytes is 0: zeros must be caught as an empty block, which the writer never writes.
    assert.deepEqual(reader.tornTail, { offset: size, bytes: 4096, reason: 'bad_block_header' });
  });

  test('a capture of another event ABI version is refused, naming the file and both versions', async () => {
    const path = tempPath();
    await writeCapture(path, batches(1), { ...header, abiVersion: AbiVersion.ABI_VERSION + 1 });
    await rejectsWith(
      path,
      'CAPTURE_ABI_MISMATCH',
      new RegExp(
        `^reading capture ${path}: recorded with event ABI version ${AbiVersion.ABI_VERSION + 1} \\(host höst-1, kernel 6\\.18\\.0-test, 2023-11-14T22:15:00\\.000Z\\), this ebpipe decodes ABI version ${AbiVersion.ABI_VERSION}`,
      ),
    );
  });

  test('a file that is not a capture is refused with what it starts with', async () => {
    const path = tempPath();
    writeFileSync(path, '{"kind":"process.exec"}\n');
    await rejectsWith(
      path,
      'CAPTURE_NOT_A_CAPTURE',
      new RegExp(
        `^reading capture ${path}: not an ebpipe capture: starts with 7b 22 6b 69 6e 64 22 3a \\("\\{\\\\"kind\\\\":"\\)`,
      ),
    );
    const empty = tempPath();
    writeFileSync(empty, '');
    await rejectsWith(empty, 'CAPTURE_NOT_A_CAPTURE', /not an ebpipe capture: the file is empty/);
  });

  test('a header cut short and an unknown format version are refused', async () => {
    const path = tempPath();
    writeFileSync(path, encodeHeader(header).subarray(0, 20));
    await rejectsWith(path, 'CAPTURE_HEADER_TRUNCATED', /header cut short at 20 of 40 bytes/);
    const future = encodeHeader(header);
    future.writeUInt32LE(2, 8);
    writeFileSync(path, future);
    await rejectsWith(path, 'CAPTURE_VERSION_UNSUPPORTED', /capture format version 2, this ebpipe reads version 1/);
  });

  test('a missing file is an error naming it and the cause', async () => {
    const path = join(dir, 'missing.ebcap');
    await rejectsWith(path, 'ENOENT', new RegExp(`^opening capture ${path}: no such file or directory$`));
  });

  test('the local header names this host and ABI, and appends count batches, records and bytes', async () => {
    const path = tempPath();
    const h = localCaptureHeader(42n, 1_000);
    assert.equal(h.abiVersion, AbiVersion.ABI_VERSION);
    assert.equal(h.createdAtNs, 1_000_000_000n);
    const writer = await CaptureWriter.create(path, h);
    await Promise.all(batches(3).map((b) => writer.append(b.raw, b.records)));
    await writer.close();
    assert.deepEqual(writer.stats, { batches: 3, records: 6, bytes: statSync(path).size });
    await assert.rejects(writer.append(syntheticBatch(0, 1), 1), /already closed/);
  });
});
