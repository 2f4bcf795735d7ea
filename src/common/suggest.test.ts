import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { editDistance, suggestField } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', 'abc'), 0);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('process', 'proces'), 1);
    assert.equal(editDistance('process', 'porcess'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});

describe('suggestField', () => {
  const fields = ['kind', 'process.uid', 'process.gid', 'file.path', 'network.dport'];

  it("picks the closest field within a third of the name's length", () => {
    assert.equal(suggestField('porcess.uid', fields), 'process.uid');
    assert.equal(suggestField('netwrok.dprot', fields), 'network.dport');
    assert.equal(suggestField('kimd', fields), 'kind');
  });

  it('prefers the first of equally close fields', () => {
    assert.equal(suggestField('process.xid', fields), 'process.uid');
  });

  it('falls back to the only field ending in the name', () => {
    assert.equal(suggestField('dport', fields), 'network.dport');
    assert.equal(suggestField('id', ['process.id', 'file.id']), undefined);
  });

  it('gives nothing when no field is close', () => {
    assert.equal(suggestField('container.image', fields), undefined);
    assert.equal(suggestField('x', []), undefined);
  });
});
