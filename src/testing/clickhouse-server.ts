// A ClickHouse server for tests and benches of the `clickhouse` exporter's server mode, run by its start script
// (scripts/services/clickhouse.sh: the chdb engine behind the ClickHouse HTTP interface) in a state directory of
// its own on a free port. It dies with the test process at the latest (--owner-pid).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../common/paths.js';

const execFileAsync = promisify(execFile);
const script = join(projectRoot, 'scripts', 'services', 'clickhouse.sh');

/** The line `clickhouse.sh start` prints. */
export interface ClickHouseServerLine {
  pid: number;
  endpoint: string;
  user: string;
  password: string;
  data_dir: string;
}

/** Why the server cannot run here, or null: for `requirement(t, clickhouseServerMissing())`. */
export function clickhouseServerMissing(): string | null {
  const check = spawnSync('bash', [script, 'check'], { encoding: 'utf8' });
  if (check.status === 0) return null;
  return check.stdout.trim() || check.stderr.trim() || `clickhouse.sh check failed (${check.status})`;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('listening socket has no port');
  return address.port;
}

export class ClickHouseTestServer {
  #line: ClickHouseServerLine | undefined;

  private constructor(
    readonly stateDir: string,
    readonly port: number,
    readonly password: string,
  ) {}

  /** A new server (not started yet when `start` is false): its own directory, a free port. */
  static async create(options: { password?: string; start?: boolean } = {}): Promise<ClickHouseTestServer> {
    const server = new ClickHouseTestServer(
      await mkdtemp(join(tmpdir(), 'ebpipe-clickhouse-')),
      await freePort(),
      options.password ?? 'ebpipe-test-password',
    );
    if (options.start !== false) await server.start();
    return server;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's pid (throws when it is not running). */
  get pid(): number {
    if (!this.#line) throw new Error(`clickhouse server in ${this.stateDir} is not running`);
    return this.#line.pid;
  }

  get running(): boolean {
    return this.#line !== undefined;
  }

  async start(): Promise<ClickHouseServerLine> {
    const stdout = await this.#script(
      'start',
      '--port',
      String(this.port),
      '--password',
      this.password,
      '--owner-pid',
      String(process.pid),
    );
    this.#line = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ClickHouseServerLine;
    return this.#line;
  }

  /** SIGKILL: no chance to finish what it was doing. */
  async kill(): Promise<void> {
    await this.#script('kill');
    this.#line = undefined;
  }

  /** Runs SQL through the HTTP interface and returns the engine's text in `format`. */
  async query(sql: string, format = 'TabSeparated'): Promise<string> {
    const url = new URL(this.endpoint);
    url.searchParams.set('default_format', format);
    const res = await fetch(url, {
      method: 'POST',
      body: sql,
      headers: { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': this.password },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`clickhouse ${res.status}: ${text}`);
    return text;
  }

  /** The statements the server ran (its log's `query:` lines), for checking what a client sent. */
  async queries(): Promise<string[]> {
    const log = await readFile(join(this.stateDir, 'service.log'), 'utf8').catch(() => '');
    return log.split('\n').filter((line) => line.startsWith('query: '));
  }

  async close(): Promise<void> {
    await this.kill();
    await rm(this.stateDir, { recursive: true, force: true });
  }

  async #script(command: string, ...flags: string[]): Promise<string> {
    try {
      const { stdout } = await execFileAsync('bash', [script, command, '--state-dir', this.stateDir, ...flags], {
        encoding: 'utf8',
      });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
      throw new Error(`clickhouse.sh ${command} failed: ${stderr || (error as Error).message}`, { cause: error });
    }
  }
}
