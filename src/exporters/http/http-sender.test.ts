import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpSender } from './http-sender.js';

describe('HttpSender', () => {
  it('masks every header value it sends, and the credential of each, in what a server echoes', () => {
    const sender = new HttpSender({
      name: 'test',
      headers: { authorization: 'Splunk s3cret-token', 'x-api-key': 'k3y' },
      compression: 'none',
      timeoutMs: 1000,
    });
    try {
      assert.equal(
        sender.excerpt(Buffer.from('scheme or token does not match: Splunk s3cret-token (s3cret-token, k3y)\nmore')),
        'scheme or token does not match: *** (***, ***)',
      );
      const refusal = sender.refusal(
        new URL('http://127.0.0.1:1/v1/logs'),
        { status: 401, headers: {}, body: Buffer.from('bad token s3cret-token') },
        new Set(),
      );
      assert.equal(refusal.message, 'test: POST http://127.0.0.1:1/v1/logs: HTTP 401: bad token ***');
      assert.equal(refusal.permanent, true);
    } finally {
      sender.close();
    }
  });
});
