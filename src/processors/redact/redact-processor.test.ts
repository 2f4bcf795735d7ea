import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordDecoder } from '../../events/decode.js';
import type { Event } from '../../events/model.js';
import type { ExecEvent } from '../../events/process-events.js';
import { Delivery } from '../../pipeline/batch.js';
import { syntheticBatch } from '../../testing/synthetic-capture.js';
import { testContext } from '../../testing/pipeline.js';
import { redactProcessor } from './redact-processor.js';

function execEvent(argv: string[]): ExecEvent {
  const events: Event[] = [];
  new RecordDecoder().decodeBatch(syntheticBatch(1, 1), events); // record 1 is an exec
  const e = events[0] as ExecEvent;
  e.argv = argv;
  return e;
}

function run(settings: object, events: Event[]): Event[] {
  const processor = redactProcessor.create(redactProcessor.settings.parse(settings), testContext('redact'));
  return processor.process({ events, delivery: new Delivery(() => undefined) })?.events ?? [];
}

test('secrets in the event and in shared enrichment are replaced, never changed in place', () => {
  const sharedArgv = Object.freeze(['/usr/bin/mysql', '-phunter2']);
  const sharedPod = Object.freeze({
    uid: 'u',
    labels: Object.freeze({ token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' }),
  });
  const e = execEvent(['/usr/bin/mysql', '-phunter2', 'db']);
  e.binary = '/usr/bin/mysql';
  e.process.argv = sharedArgv;
  (e.process as unknown as Record<string, unknown>)['pod'] = sharedPod;
  const [out] = run({}, [e]) as ExecEvent[];
  assert.deepEqual(out?.argv, ['/usr/bin/mysql', '-p[REDACTED:secret-flag]', 'db']);
  assert.deepEqual(out?.process.argv, ['/usr/bin/mysql', '-p[REDACTED:secret-flag]']);
  assert.deepEqual(sharedArgv, ['/usr/bin/mysql', '-phunter2'], 'the cached argv is untouched');
  assert.equal(sharedPod.labels.token, 'ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  const pod = (out?.process as unknown as { pod: { labels: { token: string } } }).pod;
  assert.equal(pod.labels.token, '[REDACTED:github-token]', 'the copy on the event is masked');
});

test('clean events keep their objects (no copies on the hot path)', () => {
  const e = execEvent(['/usr/bin/ls', '-la']);
  const argv = e.argv;
  const [out] = run({}, [e]) as ExecEvent[];
  assert.equal(out?.argv, argv);
});

test('hash action gives the same keyed hash for the same secret', () => {
  const a = execEvent(['/usr/bin/mysql', '-phunter2']);
  const b = execEvent(['/usr/bin/env', 'PASSWORD=hunter2']);
  const out = run({ action: 'hash', hash_key: 'k'.repeat(32) }, [a, b]) as ExecEvent[];
  const hashA = /\[HMAC:([0-9a-f]+)\]/.exec(out[0]!.argv[1]!)?.[1];
  const hashB = /\[HMAC:([0-9a-f]+)\]/.exec(out[1]!.argv[1]!)?.[1];
  assert.ok(hashA && hashA === hashB);
});

test('drop action removes the field that holds the secret', () => {
  const e = execEvent(['/usr/bin/curl', 'https://u:pw@example.com']);
  const [out] = run({ action: 'drop' }, [e]) as ExecEvent[];
  assert.equal(out?.argv, undefined);
  assert.equal(out?.binary, '/usr/bin/worker', 'other fields stay');
});
