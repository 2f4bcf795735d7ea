// One instance of a test service, run by its start script (scripts/services/<name>.sh) in a
// state directory of its own, on ports of its own, so tests never share or collide.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../../common/paths.js';

const execFileAsync = promisify(execFile);

export type ServiceName = 'kafka' | 'otelcol' | 's3';

/** The line a start script prints (and keeps in the state directory as service.json). */
export interface StartLine {
  service: ServiceName;
  pid: number;
  state_dir: string;
  log: string;
}

export function serviceScript(name: ServiceName): string {
  return join(projectRoot, 'scripts', 'services', `${name}.sh`);
}

/**
 * Why `name` cannot run here (not built, a prerequisite missing), or null when it can:
 * for `requirement(t, serviceMissing('kafka'))`. scripts/test.sh builds every service first.
 */
export function serviceMissing(name: ServiceName): string | null {
  const check = spawnSync('bash', [serviceScript(name), 'check'], { encoding: 'utf8' });
  if (check.error) return `running ${serviceScript(name)}: ${check.error.message}`;
  if (check.status === 0) return null;
  return check.stdout.trim() || check.stderr.trim() || `${name}.sh check failed (status ${check.status})`;
}

/** `count` distinct ports free on 127.0.0.1 right now (each held until all are chosen). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      return server;
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('listening socket has no port');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A fresh state directory under the system's temporary directory. */
export async function newStateDir(name: ServiceName): Promise<string> {
  return mkdtemp(join(tmpdir(), `ebpipe-${name}-`));
}

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
}

/**
 * Runs one instance through its script. `start` waits until the service answers; `kill`
 * (SIGKILL) and `stop` (SIGTERM) wait until it is gone; `start` again brings it back on the
 * same ports and state directory, as a restarted server would come back. The script ties
 * the instance to this process (--owner-pid): it dies with the test process at the latest.
 */
export class ServiceInstance<Line extends StartLine = StartLine> {
  private current: Line | null = null;

  constructor(
    readonly service: ServiceName,
    readonly stateDir: string,
    /** The script's own flags for `start` (ports, settings), the same at every start. */
    private readonly startFlags: readonly string[],
  ) {}

  /** The start line of the running instance; throws when it is not running. */
  get line(): Line {
    if (this.current === null) throw new ServiceError(`${this.service} in ${this.stateDir} is not running`);
    return this.current;
  }

  get pid(): number {
    return this.line.pid;
  }

  get logFile(): string {
    return join(this.stateDir, 'service.log');
  }

  get running(): boolean {
    return this.current !== null;
  }

  async start(): Promise<Line> {
    const stdout = await this.script('start', ...this.startFlags, '--owner-pid', String(process.pid));
    const lastLine = stdout.trim().split('\n').at(-1) ?? '';
    this.current = JSON.parse(lastLine) as Line;
    return this.current;
  }

  /** SIGTERM, and SIGKILL if the service has not exited 30 s later. */
  async stop(): Promise<void> {
    await this.script('stop');
    this.current = null;
  }

  /** SIGKILL: the service gets no chance to flush or close anything. */
  async kill(): Promise<void> {
    await this.script('kill');
    this.current = null;
  }

  /** Kills (default) or stops the instance, then starts it again with the same settings. */
  async restart(how: 'kill' | 'stop' = 'kill'): Promise<Line> {
    await (how === 'kill' ? this.kill() : this.stop());
    return this.start();
  }

  /**
   * Kills the instance (nothing in it is needed any more, and a graceful stop can wait on a
   * peer already gone) and removes its state directory, kept when EBPIPE_KEEP_SERVICE_STATE is set.
   */
  async close(): Promise<void> {
    await this.kill();
    if (!process.env['EBPIPE_KEEP_SERVICE_STATE']) await rm(this.stateDir, { recursive: true, force: true });
  }

  /** The last `lines` lines of the service's log, for an assertion message. */
  async logTail(lines = 40): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.split('\n').slice(-lines).join('\n');
  }

  private async script(command: string, ...flags: string[]): Promise<string> {
    const args = [serviceScript(this.service), command, '--state-dir', this.stateDir, ...flags];
    try {
      const { stdout } = await execFileAsync('bash', args, { encoding: 'utf8', maxBuffer: 16 << 20 });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
      throw new ServiceError(`${this.service}.sh ${command} failed: ${stderr || (error as Error).message}`, {
        cause: error,
      });
    }
  }
}
