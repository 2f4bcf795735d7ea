import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandEnv } from './env-expansion.js';

const env = { HOST: 'db.local', PORT: '8123', EMPTY: '' };

describe('expandEnv', () => {
  it('leaves text without references alone', () => {
    assert.deepEqual(expandEnv('plain $ text', env), { value: 'plain $ text', whole: false, errors: [] });
  });

  it('expands references anywhere in a string', () => {
    const r = expandEnv('http://${env:HOST}:${env:PORT}/', env);
    assert.equal(r.value, 'http://db.local:8123/');
    assert.equal(r.whole, false);
    assert.deepEqual(r.errors, []);
  });

  it('marks a value that is exactly one reference as whole', () => {
    assert.equal(expandEnv('${env:PORT}', env).whole, true);
    assert.equal(expandEnv('${env:MISSING:-9000}', env).whole, true);
    assert.equal(expandEnv(' ${env:PORT}', env).whole, false);
    assert.equal(expandEnv('${env:PORT}${env:PORT}', env).whole, false);
  });

  it('takes the default when the variable is unset or empty', () => {
    assert.equal(expandEnv('${env:MISSING:-a:b}', env).value, 'a:b');
    assert.equal(expandEnv('${env:EMPTY:-fallback}', env).value, 'fallback');
    assert.equal(expandEnv('${env:HOST:-fallback}', env).value, 'db.local');
    assert.equal(expandEnv('${env:MISSING:-}', env).value, '');
  });

  it('keeps a set but empty variable without a default as empty', () => {
    assert.deepEqual(expandEnv('[${env:EMPTY}]', env), { value: '[]', whole: false, errors: [] });
  });

  it('reads $$ as one $, so $${...} is literal text', () => {
    assert.equal(expandEnv('$${env:HOST}', env).value, '${env:HOST}');
    assert.equal(expandEnv('a$$b', env).value, 'a$b');
    assert.equal(expandEnv('$$$${env:HOST}', env).value, '$${env:HOST}');
    assert.equal(expandEnv('$$${env:HOST}', env).value, '$db.local');
  });

  it('reports an unset variable with its offset and how to give a default', () => {
    assert.deepEqual(expandEnv('x=${env:TOKEN}', env).errors, [
      {
        offset: 2,
        text: '${env:TOKEN}',
        message: 'environment variable TOKEN is not set (give a default with ${env:TOKEN:-default})',
      },
    ]);
  });

  it('rejects references it does not understand instead of passing them on', () => {
    const messages = (s: string) => expandEnv(s, env).errors.map((e) => `${e.offset}: ${e.message}`);
    assert.deepEqual(messages('${HOST}'), [
      '0: invalid reference "${HOST}": expected ${env:NAME} or ${env:NAME:-default} (write $${ for a literal "${")',
    ]);
    assert.deepEqual(messages('a ${ENV:HOST}'), [
      '2: invalid reference "${ENV:HOST}": expected ${env:NAME} or ${env:NAME:-default} (write $${ for a literal "${")',
    ]);
    assert.deepEqual(messages('${env:1X}'), ['0: invalid environment variable name "1X" in "${env:1X}"']);
    assert.deepEqual(messages('${env:}'), ['0: invalid environment variable name "" in "${env:}"']);
    assert.deepEqual(messages('ok ${env:HOST} ${env:HOST'), [
      '15: unclosed reference "${env:HOST": expected a closing "}"',
    ]);
  });
});
