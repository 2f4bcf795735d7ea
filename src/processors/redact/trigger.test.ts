import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildTrigger } from './trigger.js';

describe('buildTrigger', () => {
  const words = ['pass', 'pwd', 'key', 'private key', 'ghp_', 'gho_', 'github_pat_', '://', ' -p', '\t-p', 'xox'];
  const trigger = buildTrigger(words);

  it('matches exactly the texts containing a word, ignoring ASCII case', () => {
    const alphabet = 'pasWdkeyghoiu_t:/ -\tXP';
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20000; i++) {
      let text = '';
      for (let n = random(12); n > 0; n--) text += alphabet.charAt(random(alphabet.length));
      const expected = words.some((w) => text.toLowerCase().includes(w));
      assert.equal(trigger.test(text), expected, JSON.stringify(text));
    }
  });

  it('shares prefixes and drops words that contain another', () => {
    assert.equal(trigger.source.includes('private'), false);
    assert.match(trigger.source, /p\(\?:/);
  });

  it('rejects an empty word', () => {
    assert.throws(() => buildTrigger(['a', '']), RangeError);
    assert.throws(() => buildTrigger([]), RangeError);
  });
});
