import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { describeSchema, knownKeys, schemaAt } from './schema-describe.js';
import { duration } from '../common/units.js';

describe('describeSchema', () => {
  it('words number bounds the way a reader would', () => {
    const cases: [z.ZodType, string][] = [
      [z.number(), 'a number'],
      [z.number().int(), 'an integer'],
      [z.number().int().positive(), 'a positive integer'],
      [z.int().min(1), 'a positive integer'],
      [z.int().nonnegative(), 'a non-negative integer'],
      [z.number().positive(), 'a positive number'],
      [z.number().min(0), 'a non-negative number'],
      [z.int().min(1).max(65535), 'an integer from 1 to 65535'],
      [z.number().gt(0).lte(1), 'a number greater than 0 and at most 1'],
      [z.int().max(10), 'an integer at most 10'],
      [z.number().min(0.5).max(2), 'a number from 0.5 to 2'],
    ];
    for (const [schema, words] of cases) assert.equal(describeSchema(schema), words);
  });

  it('words strings, lists, mappings, enums and unions', () => {
    assert.equal(describeSchema(z.string()), 'a string');
    assert.equal(describeSchema(z.string().min(1)), 'a non-empty string');
    assert.equal(describeSchema(z.string().regex(/^[a-z]+$/)), 'a string matching /^[a-z]+$/');
    assert.equal(describeSchema(z.array(z.string()).min(1)), 'a non-empty list');
    assert.equal(describeSchema(z.object({}).strict()), 'a mapping');
    assert.equal(describeSchema(z.record(z.string(), z.number())), 'a mapping');
    assert.equal(describeSchema(z.enum(['block', 'drop_newest'])), 'one of "block", "drop_newest"');
    assert.equal(describeSchema(z.literal('x')), '"x"');
    assert.equal(describeSchema(z.union([z.string(), z.number()])), 'a string or a number');
    assert.equal(describeSchema(z.union([z.boolean(), z.enum(['lz4'])])), 'true or false, or one of "lz4"');
  });

  it('looks through optional, default and readonly wrappers, and uses registered expectations', () => {
    assert.equal(describeSchema(z.number().int().positive().optional().default(3)), 'a positive integer');
    assert.equal(describeSchema(duration().optional()), 'a duration such as "5s", "100ms" or "1m30s"');
  });
});

describe('schemaAt and knownKeys', () => {
  const schema = z
    .object({
      rotation: z.object({ max_bytes: z.number(), max_age: z.string() }).strict().optional(),
      rules: z.array(z.object({ name: z.string() }).strict()).default([]),
      labels: z.record(z.string(), z.string()),
    })
    .strict();

  it('follows mapping keys, list indexes and record values', () => {
    assert.equal(describeSchema(schemaAt(schema, ['rotation', 'max_bytes'])), 'a number');
    assert.equal(describeSchema(schemaAt(schema, ['rules', 3, 'name'])), 'a string');
    assert.equal(describeSchema(schemaAt(schema, ['labels', 'anything'])), 'a string');
    assert.equal(schemaAt(schema, ['rotation', 'nope']), undefined);
  });

  it('lists the keys a mapping accepts', () => {
    assert.deepEqual(knownKeys(schemaAt(schema, ['rotation'])), ['max_bytes', 'max_age']);
    assert.deepEqual(knownKeys(schemaAt(schema, ['rules', 0])), ['name']);
    assert.deepEqual(knownKeys(schemaAt(schema, ['labels'])), []);
  });
});
