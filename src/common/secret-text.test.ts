import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretScrubber } from './secret-text.js';

describe('secretScrubber', () => {
  it('masks every secret, as it is and in base64', () => {
    const scrub = secretScrubber(['hunter2', '']);
    const b64 = Buffer.from('hunter2').toString('base64');
    assert.equal(scrub(`auth hunter2 failed (${b64}); hunter2`), 'auth *** failed (***); ***');
    assert.equal(secretScrubber([])('hunter2'), 'hunter2');
  });
});
