// Names of rotated files, as the OpenTelemetry Collector's file exporter writes them: the
// rotation time goes right before the extension, `events.ndjson` -> `events-2024-05-01T13-04-05.123.ndjson`
// (UTC, or local time with `localtime`). Age-based pruning reads the time back from the name.
import { basename, dirname, extname, join } from 'node:path';

const STAMP = /^(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)\.(\d{3})$/;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function stamp(ms: number, localtime: boolean): string {
  const d = new Date(ms);
  const [y, mo, da, h, mi, s, milli] = localtime
    ? [
        d.getFullYear(),
        d.getMonth() + 1,
        d.getDate(),
        d.getHours(),
        d.getMinutes(),
        d.getSeconds(),
        d.getMilliseconds(),
      ]
    : [
        d.getUTCFullYear(),
        d.getUTCMonth() + 1,
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      ];
  return `${pad(y, 4)}-${pad(mo)}-${pad(da)}T${pad(h)}-${pad(mi)}-${pad(s)}.${pad(milli, 3)}`;
}

/** The active file's name split around where the timestamp goes. */
export class BackupNames {
  readonly dir: string;
  private readonly prefix: string;
  private readonly ext: string;

  constructor(
    path: string,
    private readonly localtime: boolean,
  ) {
    this.dir = dirname(path);
    this.ext = extname(path);
    this.prefix = `${basename(path, this.ext)}-`;
  }

  /** Full path of the backup rotated at `ms` (ms since the epoch, whole milliseconds). */
  pathFor(ms: number): string {
    return join(this.dir, `${this.prefix}${stamp(ms, this.localtime)}${this.ext}`);
  }

  /** The rotation time encoded in a directory entry, or undefined when it is not one of our backups. */
  timeOf(name: string): number | undefined {
    if (!name.startsWith(this.prefix) || !name.endsWith(this.ext)) return undefined;
    const m = STAMP.exec(name.slice(this.prefix.length, name.length - this.ext.length));
    if (!m) return undefined;
    const [y, mo, d, h, mi, s, milli] = m.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return this.localtime ? new Date(y, mo - 1, d, h, mi, s, milli).getTime() : Date.UTC(y, mo - 1, d, h, mi, s, milli);
  }
}
