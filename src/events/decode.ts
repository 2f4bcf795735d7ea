// Raw ring records -> typed events. A batch is repeated { u32 length; u32 zero; record;
// pad to 8 } (native/src/ring_reader.h). Unknown or truncated records are counted and skipped.
import {
  BENCH_EVENT_SIZE,
  EVENT_HEADER_SIZE,
  EXEC_EVENT_SIZE,
  EXIT_EVENT_SIZE,
  ExecFlags,
  FORK_EVENT_SIZE,
  LAYOUTS,
  Op,
  readBenchEvent,
  readExecEvent,
  readExitEvent,
  readForkEvent,
  type EventHeader,
} from './generated/abi.js';
import { RecordView } from './record-view.js';
import type { BenchEvent, Event, ExecEvent, ExitEvent, ForkEvent, RecordOrigin } from './model.js';

export interface DecodeStats {
  decoded: number;
  /** Records whose op this decoder does not know (a newer kernel side, or corruption). */
  unknownOp: number;
  /** Records shorter than their struct, or whose tail overruns the record. */
  truncated: number;
  /** Batches whose framing is broken (length prefix past the end). */
  badFraming: number;
}

const LENGTH_PREFIX = 8;
const OP_OFFSET = LAYOUTS['event_header']?.fields['op']?.offset ?? 0;
const SIZE_OFFSET = LAYOUTS['event_header']?.fields['size']?.offset ?? 2;

/** clockOffsetNs is filled in by RecordDecoder.decodeRecord for every event. */
function origin(hdr: EventHeader): RecordOrigin {
  return { ktime: hdr.ktime, cpu: hdr.cpu, seq: hdr.seq, clockOffsetNs: 0n };
}

/** NUL-separated argv as the kernel stores it: every string, empty ones included, ends in a NUL. */
function splitArgv(buf: Buffer, start: number, end: number): string[] {
  const argv: string[] = [];
  let at = start;
  while (at < end) {
    let nul = buf.indexOf(0, at);
    if (nul === -1 || nul > end) nul = end;
    argv.push(buf.toString('utf8', at, nul));
    at = nul + 1;
  }
  return argv;
}

export class RecordDecoder {
  readonly stats: DecodeStats = { decoded: 0, unknownOp: 0, truncated: 0, badFraming: 0 };

  /** @param clockOffsetNs realtime - boottime of the host the records come from (clock.ts) */
  constructor(public clockOffsetNs = 0n) {}

  /** Decodes every record of a batch into `out`. */
  decodeBatch(batch: Buffer, out: Event[]): void {
    const v = new RecordView(batch);
    let at = 0;
    while (at + LENGTH_PREFIX <= v.buf.length) {
      const length = v.u32[at >>> 2]!;
      const record = at + LENGTH_PREFIX;
      if (record + length > v.buf.length) {
        this.stats.badFraming++;
        return;
      }
      const event = this.decodeRecord(v, record, length);
      if (event) out.push(event);
      at = (record + length + 7) & ~7;
    }
  }

  /** One record at [at, at + length) of the view; `at` is 8-byte aligned. */
  decodeRecord(v: RecordView, at: number, length: number): Event | null {
    if (length < EVENT_HEADER_SIZE) {
      this.stats.truncated++;
      return null;
    }
    const op = v.u16[(at + OP_OFFSET) >>> 1]!;
    const size = v.u16[(at + SIZE_OFFSET) >>> 1]!;
    if (size > length) {
      this.stats.truncated++;
      return null;
    }
    let event: Event | null;
    switch (op) {
      case Op.EXEC:
        event = size < EXEC_EVENT_SIZE ? null : this.exec(v, at, size);
        break;
      case Op.EXIT:
        event = size < EXIT_EVENT_SIZE ? null : this.exit(v, at);
        break;
      case Op.FORK:
        event = size < FORK_EVENT_SIZE ? null : this.fork(v, at);
        break;
      case Op.BENCH:
        event = size < BENCH_EVENT_SIZE ? null : this.bench(v, at);
        break;
      default:
        this.stats.unknownOp++;
        return null;
    }
    if (event) {
      event.origin.clockOffsetNs = this.clockOffsetNs;
      this.stats.decoded++;
    } else {
      this.stats.truncated++;
    }
    return event;
  }

  private exec(v: RecordView, at: number, size: number): ExecEvent | null {
    const raw = readExecEvent(v, at);
    const buf = v.buf;
    const filename = at + EXEC_EVENT_SIZE;
    const argv = filename + raw.filenameLen;
    const cwd = argv + raw.argvLen;
    const end = cwd + raw.cwdLen;
    if (end > at + size) return null;
    return {
      kind: 'process.exec',
      origin: origin(raw.hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: raw.comm },
      parent: { pid: raw.parent.tgid, startNs: raw.parent.startNs },
      binary: buf.toString('utf8', filename, argv),
      argv: splitArgv(buf, argv, cwd),
      argvTruncated: (raw.flags & ExecFlags.ARGV_TRUNCATED) !== 0,
      binaryTruncated: (raw.flags & ExecFlags.FILENAME_TRUNCATED) !== 0,
      binaryUnresolved: (raw.flags & ExecFlags.FILENAME_UNRESOLVED) !== 0,
      cwd: buf.toString('utf8', cwd, end),
      cwdTruncated: (raw.flags & ExecFlags.CWD_TRUNCATED) !== 0,
      creds: raw.creds,
      namespaces: raw.ns,
      cgroupId: raw.cgroupId,
    };
  }

  private exit(v: RecordView, at: number): ExitEvent {
    const raw = readExitEvent(v, at);
    return {
      kind: 'process.exit',
      origin: origin(raw.hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: raw.comm },
      exitCode: (raw.status >> 8) & 0xff,
      signal: raw.status & 0x7f,
      coreDumped: (raw.status & 0x80) !== 0,
    };
  }

  private fork(v: RecordView, at: number): ForkEvent {
    const raw = readForkEvent(v, at);
    return {
      kind: 'process.fork',
      origin: origin(raw.hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: raw.comm },
      parent: { pid: raw.parent.tgid, startNs: raw.parent.startNs },
    };
  }

  private bench(v: RecordView, at: number): BenchEvent {
    const raw = readBenchEvent(v, at);
    return {
      kind: 'ebpipe.bench',
      origin: origin(raw.hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: '' },
      value: raw.value,
    };
  }
}
