// Messages -> produce requests of at most producer.flush_max_messages messages and
// producer.max_message_bytes bytes (the broker takes one record batch per partition and request,
// and refuses one over its message.max.bytes). With producer.linger, a request that is not full
// waits that long for the messages of other exports in flight (sending_queue.num_consumers > 1);
// with 0 it is sent at once. An export resolves when every request carrying its messages was
// acknowledged, and fails when one of them failed (the retry sends them all again).
import type { OutgoingMessage } from './producer.js';

export interface RequestLimits {
  maxMessages: number;
  maxBytes: number;
  lingerMs: number;
}

export type SendRequest = (messages: OutgoingMessage[]) => Promise<void>;

interface OpenRequest {
  messages: OutgoingMessage[];
  bytes: number;
  acknowledged: Promise<void>;
  settle: { resolve: () => void; reject: (err: unknown) => void };
  timer: NodeJS.Timeout | undefined;
}

function openRequest(): OpenRequest {
  let settle!: OpenRequest['settle'];
  const acknowledged = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  return { messages: [], bytes: 0, acknowledged, settle, timer: undefined };
}

export class ProduceBatcher {
  private open: OpenRequest | undefined;

  constructor(
    private readonly sendRequest: SendRequest,
    private readonly limits: RequestLimits,
  ) {}

  /** Resolves once every message was acknowledged; rejects with the error of a request that failed. */
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    const { maxMessages, maxBytes, lingerMs } = this.limits;
    const requests: Promise<void>[] = [];
    for (const message of messages) {
      const size = message.value.length + (message.key === null ? 0 : Buffer.byteLength(message.key));
      const full = this.open && (this.open.messages.length >= maxMessages || this.open.bytes + size > maxBytes);
      if (full) this.dispatch();
      const request = (this.open ??= openRequest());
      request.messages.push(message);
      request.bytes += size;
      if (requests.at(-1) !== request.acknowledged) requests.push(request.acknowledged);
    }
    if (this.open && lingerMs === 0) this.dispatch();
    else if (this.open && !this.open.timer) this.open.timer = setTimeout(() => this.dispatch(), lingerMs);
    await Promise.all(requests);
  }

  private dispatch(): void {
    const request = this.open;
    if (!request) return;
    this.open = undefined;
    clearTimeout(request.timer);
    this.sendRequest(request.messages).then(request.settle.resolve, request.settle.reject);
  }
}
