import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRefusal, hecResponse, refusalReason, type HecRefused } from './hec-response.js';

const respond = (status: number, body: unknown) =>
  hecResponse({ status, headers: {}, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) }, (b) =>
    b.toString().replaceAll('s3cret', '***'),
  );

function refused(status: number, body: unknown): HecRefused {
  const r = respond(status, body);
  assert.equal(r.accepted, false);
  return r;
}

describe('hecResponse', () => {
  it('accepts a 200, with the ackId when there is one', () => {
    assert.deepEqual(respond(200, { text: 'Success', code: 0, ackId: 7 }), { accepted: true, ackId: 7 });
    assert.deepEqual(respond(200, { text: 'Success', code: 0 }), { accepted: true, ackId: undefined });
  });

  it("sorts HEC's codes: busy and unhealthy are retried, bad data dropped, token, index and channel stop", () => {
    const cases: [number, number, string, string][] = [
      [503, 9, 'Server is busy', 'retry'],
      [500, 8, 'Internal server error', 'retry'],
      [503, 18, 'HEC is unhealthy, queues are full', 'retry'],
      [400, 6, 'Invalid data format', 'drop'],
      [400, 12, 'Event field is required', 'drop'],
      [400, 15, 'Error in handling indexed fields', 'drop'],
      [403, 4, 'Invalid token', 'stop'],
      [403, 1, 'Token disabled', 'stop'],
      [401, 2, 'Token is required', 'stop'],
      [400, 7, 'Incorrect index', 'stop'],
      [400, 14, 'ACK is disabled', 'stop'],
    ];
    for (const [status, code, text, action] of cases) {
      const r = refused(status, { text, code });
      assert.equal(r.action, action, text);
      assert.equal(r.text, text);
      assert.equal(refusalReason(r), `hec_code_${code}`);
      if (action === 'stop') assert.ok(r.fix, `${text}: says what to fix`);
    }
    assert.equal(describeRefusal(refused(403, { text: 'Invalid token', code: 4 })), 'HTTP 403, code 4: Invalid token');
  });

  it('goes by the HTTP status without a code it knows, and masks what the body echoes', () => {
    const auth = refused(401, 'scheme or token does not match: Splunk s3cret');
    assert.equal(auth.action, 'stop');
    assert.equal(auth.text, 'scheme or token does not match: Splunk ***');
    assert.equal(refusalReason(auth), 'http_401');
    assert.equal(refused(502, '<html>bad gateway</html>').action, 'retry');
    assert.equal(refused(429, '').action, 'retry');
    assert.equal(refused(413, 'too large').action, 'drop');
    assert.equal(refused(503, { text: 'something new', code: 99 }).action, 'retry');
  });
});
