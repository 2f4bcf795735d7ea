import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { RedactConfigError } from './errors.js';
import { KeyedHash } from './keyed-hash.js';

const KEY = 'a-key-of-32-bytes-for-the-tests!';

describe('KeyedHash', () => {
  it('is HMAC-SHA256 under the key, cut to the asked length', () => {
    const full = createHmac('sha256', KEY).update('hunter2').digest('hex');
    assert.equal(new KeyedHash(KEY).digest('hunter2'), full.slice(0, 16));
    assert.equal(new KeyedHash(KEY, 64).digest('hunter2'), full);
    assert.equal(new KeyedHash(Buffer.from(KEY), 8).digest('hunter2'), full.slice(0, 8));
  });

  it('is stable for one key and differs across keys', () => {
    assert.equal(new KeyedHash(KEY).digest('s3cret'), new KeyedHash(KEY).digest('s3cret'));
    assert.notEqual(new KeyedHash(KEY).digest('s3cret'), new KeyedHash(`${KEY}x`).digest('s3cret'));
    assert.notEqual(new KeyedHash(KEY).digest('s3cret'), new KeyedHash(KEY).digest('s3cret2'));
  });

  it('refuses short keys and bad lengths', () => {
    assert.throws(
      () => new KeyedHash('short'),
      (e: unknown) => e instanceof RedactConfigError && e.code === 'WEAK_HASH_KEY',
    );
    for (const n of [7, 65, 16.5]) {
      assert.throws(
        () => new KeyedHash(KEY, n),
        (e: unknown) => e instanceof RedactConfigError && e.code === 'BAD_HASH_LENGTH',
      );
    }
  });
});
