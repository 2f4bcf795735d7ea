import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProduceBatcher } from './produce-batcher.js';
import type { OutgoingMessage } from './producer.js';

const message = (n: number, bytes = 10): OutgoingMessage => ({ key: null, value: Buffer.alloc(bytes, n) });

/** Records each request; `fail` makes the request with that index fail. */
function requests(fail?: number) {
  const sent: number[][] = [];
  const send = async (messages: OutgoingMessage[]) => {
    sent.push(messages.map((m) => m.value[0]!));
    if (sent.length - 1 === fail) throw new Error('request failed');
  };
  return { sent, send };
}

describe('produce requests', () => {
  it('hold at most flush_max_messages messages and max_message_bytes bytes', async () => {
    const { sent, send } = requests();
    const batcher = new ProduceBatcher(send, { maxMessages: 3, maxBytes: 25, lingerMs: 0 });
    await batcher.send([message(1), message(2), message(3), message(4), message(5, 20), message(6, 20)]);
    assert.deepEqual(sent, [[1, 2], [3, 4], [5], [6]]);
    await batcher.send([message(7), message(8), message(9)]);
    assert.deepEqual(sent.slice(4), [[7, 8], [9]]);
  });

  it('with linger, merge the messages of exports in flight into one request', async () => {
    const { sent, send } = requests();
    const batcher = new ProduceBatcher(send, { maxMessages: 100, maxBytes: 1000, lingerMs: 20 });
    await Promise.all([batcher.send([message(1)]), batcher.send([message(2), message(3)])]);
    assert.deepEqual(sent, [[1, 2, 3]]);
  });

  it('fail every export whose messages were in a failed request, and only those', async () => {
    const { send } = requests(1);
    const batcher = new ProduceBatcher(send, { maxMessages: 2, maxBytes: 1000, lingerMs: 0 });
    await assert.rejects(batcher.send([message(1), message(2), message(3)]), /request failed/);
    await batcher.send([message(4)]);
  });
});
