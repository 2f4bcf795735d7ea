// Raw ring records -> typed events. A batch is repeated { u32 length; record; pad to 8 }
// (native/src/ring_reader.h). Unknown or truncated records are counted and skipped.
import {
  BENCH_EVENT_SIZE,
  EVENT_HEADER_SIZE,
  EXEC_EVENT_SIZE,
  EXIT_EVENT_SIZE,
  ExecFlags,
  FORK_EVENT_SIZE,
  Op,
  readBenchEvent,
  readEventHeader,
  readExecEvent,
  readExitEvent,
  readForkEvent,
  type EventHeader,
} from './generated/abi.js';
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

const LENGTH_PREFIX = 4;

function origin(hdr: EventHeader): RecordOrigin {
  return { ktime: hdr.ktime, cpu: hdr.cpu, seq: hdr.seq };
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

  /** Decodes every record of a batch into `out`. */
  decodeBatch(batch: Buffer, out: Event[]): void {
    let at = 0;
    while (at + LENGTH_PREFIX <= batch.length) {
      const length = batch.readUInt32LE(at);
      const record = at + LENGTH_PREFIX;
      if (record + length > batch.length) {
        this.stats.badFraming++;
        return;
      }
      const event = this.decodeRecord(batch, record, length);
      if (event) out.push(event);
      at = record + ((length + LENGTH_PREFIX + 7) & ~7) - LENGTH_PREFIX;
    }
  }

  /** One record at buf[at, at + length). */
  decodeRecord(buf: Buffer, at: number, length: number): Event | null {
    if (length < EVENT_HEADER_SIZE) {
      this.stats.truncated++;
      return null;
    }
    const hdr = readEventHeader(buf, at);
    if (hdr.size > length) {
      this.stats.truncated++;
      return null;
    }
    let event: Event | null;
    switch (hdr.op) {
      case Op.EXEC:
        event = this.exec(buf, at, hdr);
        break;
      case Op.EXIT:
        event = this.exit(buf, at, hdr);
        break;
      case Op.FORK:
        event = this.fork(buf, at, hdr);
        break;
      case Op.BENCH:
        event = this.bench(buf, at, hdr);
        break;
      default:
        this.stats.unknownOp++;
        return null;
    }
    if (event) this.stats.decoded++;
    else this.stats.truncated++;
    return event;
  }

  private exec(buf: Buffer, at: number, hdr: EventHeader): ExecEvent | null {
    if (hdr.size < EXEC_EVENT_SIZE) return null;
    const raw = readExecEvent(buf, at);
    const filename = at + EXEC_EVENT_SIZE;
    const argv = filename + raw.filenameLen;
    const cwd = argv + raw.argvLen;
    const end = cwd + raw.cwdLen;
    if (end > at + hdr.size) return null;
    return {
      kind: 'process.exec',
      origin: origin(hdr),
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

  private exit(buf: Buffer, at: number, hdr: EventHeader): ExitEvent | null {
    if (hdr.size < EXIT_EVENT_SIZE) return null;
    const raw = readExitEvent(buf, at);
    return {
      kind: 'process.exit',
      origin: origin(hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: raw.comm },
      exitCode: (raw.status >> 8) & 0xff,
      signal: raw.status & 0x7f,
      coreDumped: (raw.status & 0x80) !== 0,
    };
  }

  private fork(buf: Buffer, at: number, hdr: EventHeader): ForkEvent | null {
    if (hdr.size < FORK_EVENT_SIZE) return null;
    const raw = readForkEvent(buf, at);
    return {
      kind: 'process.fork',
      origin: origin(hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: raw.comm },
      parent: { pid: raw.parent.tgid, startNs: raw.parent.startNs },
    };
  }

  private bench(buf: Buffer, at: number, hdr: EventHeader): BenchEvent | null {
    if (hdr.size < BENCH_EVENT_SIZE) return null;
    const raw = readBenchEvent(buf, at);
    return {
      kind: 'ebpipe.bench',
      origin: origin(hdr),
      process: { pid: raw.task.tgid, tid: raw.task.pid, startNs: raw.task.startNs, comm: '' },
      value: raw.value,
    };
  }
}
