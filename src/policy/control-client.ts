// The client side of the policy control socket (control-protocol.ts), for `ebpipe policy`.
import { connect } from 'node:net';
import type { PolicyRequest, PolicyResponse } from './control-protocol.js';
import { EbpipeError } from '../common/errors.js';

export class PolicyClientError extends EbpipeError {
  override readonly name = 'PolicyClientError';
  constructor(code: string, message: string) {
    super(code, 'sending', message);
  }
}

export function sendPolicyRequest(
  socketPath: string,
  request: PolicyRequest,
  timeoutMs = 30_000,
): Promise<PolicyResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new PolicyClientError('TIMEOUT', `policy socket ${socketPath}: no answer within ${timeoutMs} ms`));
    });
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
          ? 'no agent is listening (start one with `ebpipe run` and a pipeline whose ebpf receiver has policies)'
          : err.code === 'EACCES'
            ? 'permission denied (the socket is root-only)'
            : err.message;
      reject(new PolicyClientError(err.code ?? 'ECONNECT', `policy socket ${socketPath}: ${why}`));
    });
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        resolve(JSON.parse(text) as PolicyResponse);
      } catch {
        reject(
          new PolicyClientError(
            'BAD_RESPONSE',
            `policy socket ${socketPath}: unreadable answer ${JSON.stringify(text.slice(0, 200))}`,
          ),
        );
      }
    });
  });
}
