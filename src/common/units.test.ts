import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { byteSize, duration, parseByteSize, parseDuration } from './units.js';

const messages = (schema: z.ZodType, value: unknown): string[] => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('parseDuration', () => {
  it('reads Go-style durations into milliseconds', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['100ms', 100],
      ['5s', 5000],
      ['1m', 60_000],
      ['1m30s', 90_000],
      ['1.5h', 5_400_000],
      ['250us', 0.25],
      ['250µs', 0.25],
      ['1000000ns', 1],
      ['.5s', 500],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  });

  it('rejects what is not a duration', () => {
    for (const text of ['', '5', '5S', '5 s', '-5s', 's', '5sec', '1m 30s', '5s!', '1d']) {
      assert.equal(parseDuration(text), undefined, text);
    }
  });
});

describe('parseByteSize', () => {
  it('reads decimal and binary units, case-insensitively', () => {
    const cases: [string, number][] = [
      ['512', 512],
      ['512B', 512],
      ['10MB', 10_000_000],
      ['10mb', 10_000_000],
      ['256KiB', 262_144],
      ['8MiB', 8_388_608],
      ['8 MiB', 8_388_608],
      ['1GiB', 1_073_741_824],
      ['2TB', 2e12],
      ['1.5KiB', 1536],
      ['0.1kB', 100],
    ];
    for (const [text, bytes] of cases) assert.equal(parseByteSize(text), bytes, text);
  });

  it('rejects unknown units and fractions of a byte', () => {
    for (const text of ['', 'MiB', '8 megabytes', '8M', '1.5B', '-1KB', '1e3']) {
      assert.equal(parseByteSize(text), undefined, text);
    }
  });
});

describe('duration()', () => {
  it('parses to milliseconds inside a schema', () => {
    assert.deepEqual(z.object({ t: duration() }).parse({ t: '2m' }), { t: 120_000 });
  });

  it('says what it expects, and asks for a unit on a bare number', () => {
    assert.deepEqual(messages(duration(), '5 minutes'), [
      'expected a duration such as "5s", "100ms" or "1m30s", got "5 minutes"',
    ]);
    assert.deepEqual(messages(duration(), 5000), [
      'expected a duration such as "5s", "100ms" or "1m30s", got 5000 (add a unit)',
    ]);
  });

  it('checks bounds, written as durations', () => {
    const bounded = duration({ min: '1s', max: '1h' });
    assert.equal(bounded.parse('1s'), 1000);
    assert.deepEqual(messages(bounded, '999ms'), ['expected a duration of at least 1s, got "999ms"']);
    assert.deepEqual(messages(bounded, '61m'), ['expected a duration of at most 1h, got "61m"']);
  });

  it('refuses bounds that do not parse when the schema is built', () => {
    assert.throws(() => duration({ min: '1 second' }), /duration bound "1 second" does not parse/);
  });
});

describe('byteSize()', () => {
  it('takes a whole number of bytes or a size with a unit', () => {
    assert.equal(byteSize().parse(4096), 4096);
    assert.equal(byteSize().parse('4KiB'), 4096);
  });

  it('says what it expects', () => {
    const expected = 'expected a size such as "8MiB", "256KiB", "10MB" or a number of bytes';
    assert.deepEqual(messages(byteSize(), '8M'), [`${expected}, got "8M"`]);
    assert.deepEqual(messages(byteSize(), 1.5), [`${expected}, got 1.5`]);
    assert.deepEqual(messages(byteSize(), -1), [`${expected}, got -1`]);
  });

  it('checks bounds', () => {
    assert.deepEqual(messages(byteSize({ min: '4KiB' }), '4000'), ['expected a size of at least 4KiB, got "4000"']);
    assert.deepEqual(messages(byteSize({ max: '1MB' }), 1_000_001), ['expected a size of at most 1MB, got 1000001']);
  });
});
