// Serves the policy control socket (control-protocol.ts) for a running agent: `ebpipe policy
// add|delete|list` talk to it.
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { loadNativeAddon } from '../kernel/native.js';
import type { Logger } from '../telemetry/logger.js';
import { MAX_REQUEST_BYTES, type PolicyRequest, type PolicyResponse } from './control-protocol.js';
import { parsePolicy, PolicyFileError } from './policy-document.js';
import type { PolicyActor } from './audit-trail.js';
import type { PolicyEngine } from './policy-engine.js';
import { EbpipeError } from '../common/errors.js';

export class PolicySocketError extends EbpipeError {
  override readonly name = 'PolicySocketError';
  constructor(code: string, message: string) {
    super(code, 'opening', message);
  }
}

/** True when something answers on the socket: another agent is running. */
function inUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

function socketFd(socket: Socket): number {
  // net.Socket keeps its descriptor on the handle; there is no public accessor.
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0)
    throw new PolicySocketError('NO_PEER', 'reading the peer of a policy request: no socket descriptor');
  return fd;
}

export class PolicyControlServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
    private readonly engine: PolicyEngine,
    private readonly logger: Logger,
  ) {}

  static async listen(path: string, engine: PolicyEngine, logger: Logger): Promise<PolicyControlServer> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (await inUse(path))
      throw new PolicySocketError('EADDRINUSE', `policy socket ${path}: another agent is listening on it`);
    try {
      unlinkSync(path); // left by an agent that did not stop cleanly
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const server = createServer();
    const control = new PolicyControlServer(server, path, engine, logger);
    server.on('connection', (socket) => control.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new PolicySocketError('LISTEN_FAILED', `policy socket ${path}: ${err.message}`)),
      );
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o600);
    logger.info({ socket: path }, 'policy control socket listening');
    return control;
  }

  private serve(socket: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let answered = false;
    const reply = (response: PolicyResponse) => {
      if (answered) return;
      answered = true;
      socket.end(`${JSON.stringify(response)}\n`);
    };
    socket.on('error', (err) => this.logger.warn({ err: err.message }, 'policy control connection failed'));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reply({ ok: false, code: 'REQUEST_TOO_LARGE', message: `request larger than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      chunks.push(chunk);
      const text = Buffer.concat(chunks).toString('utf8');
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      reply(this.handle(socket, text.slice(0, newline)));
    });
  }

  private handle(socket: Socket, line: string): PolicyResponse {
    let actor: PolicyActor;
    let request: PolicyRequest;
    try {
      const peer = loadNativeAddon().peerCredentials(socketFd(socket));
      actor = { via: 'cli', pid: peer.pid, uid: peer.uid };
      request = JSON.parse(line) as PolicyRequest;
    } catch (err) {
      return { ok: false, code: 'BAD_REQUEST', message: `policy request: ${(err as Error).message}` };
    }
    try {
      switch (request.op) {
        case 'add':
          return this.add(request.file, request.text, actor);
        case 'delete': {
          const name = 'name' in request ? request.name : this.engine.policyFromFile(request.file);
          if (name === undefined) {
            return {
              ok: false,
              code: 'POLICY_NOT_FOUND',
              message: `no policy is loaded from ${'file' in request ? request.file : '?'}`,
            };
          }
          this.engine.delete(name, actor);
          return { ok: true, op: 'delete', name };
        }
        case 'list':
          return {
            ok: true,
            op: 'list',
            variant: this.engine.variant,
            policies: this.engine.list(),
            hooks: this.engine.hookCounters(),
          };
        default:
          return {
            ok: false,
            code: 'BAD_REQUEST',
            message: `unknown policy request ${JSON.stringify((request as { op?: unknown }).op)}`,
          };
      }
    } catch (err) {
      const e = err as Error & { code?: string };
      return {
        ok: false,
        code: e.code ?? 'FAILED',
        message: e.message,
        ...(err instanceof PolicyFileError && { issues: [...err.issues] }),
      };
    }
  }

  private add(file: string, text: string, actor: PolicyActor): PolicyResponse {
    let doc;
    try {
      doc = parsePolicy(text, file);
    } catch (err) {
      this.engine.rejected(file, err as Error, actor);
      throw err;
    }
    return { ok: true, op: 'add', policy: this.engine.apply(doc, actor) };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        try {
          unlinkSync(this.path);
        } catch {
          // already gone
        }
        resolve();
      });
    });
  }
}
