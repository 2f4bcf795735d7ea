import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileAccessor } from './accessor.js';

describe('compileAccessor', () => {
  const event = {
    kind: 'process.exec',
    process: {
      uid: 0,
      binary: '/bin/sh',
      parent: { process: { binary: '/sbin/init' } },
      tty: null,
    },
  };

  it('reads fields at any depth', () => {
    assert.equal(compileAccessor('kind')(event), 'process.exec');
    assert.equal(compileAccessor('process.uid')(event), 0);
    assert.equal(compileAccessor('process.parent.process.binary')(event), '/sbin/init');
    assert.deepEqual(compileAccessor('process.parent')(event), {
      process: { binary: '/sbin/init' },
    });
  });

  it('gives undefined below a missing, null or non-object value', () => {
    assert.equal(compileAccessor('file.path')(event), undefined);
    assert.equal(compileAccessor('process.tty.name')(event), undefined);
    assert.equal(compileAccessor('kind.length')(event), undefined);
    assert.equal(compileAccessor('process.uid.x.y')(event), undefined);
  });

  it('treats every segment as a property name, never as code', () => {
    const key = 'a"];globalThis["injected"]=1;//';
    assert.equal(compileAccessor(`x.${key}`)({ x: { [key]: 7 } }), 7);
    assert.equal((globalThis as Record<string, unknown>)['injected'], undefined);
  });
});
