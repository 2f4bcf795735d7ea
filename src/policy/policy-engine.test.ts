// The policy engine's logic without root: its maps are a FakeBpfObject's, so a test sees what
// the engine writes for the kernel and plays the kernel's side (counters, aggregation counts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { PolicyCounter, PolicyLimits, readPolicyConfig } from '../events/generated/abi.js';
import type { Event } from '../events/model.js';
import type { PolicyAuditEvent, PolicySummaryEvent } from '../events/policy-events.js';
import { RecordView } from '../events/record-view.js';
import { StructCodec } from '../events/struct-codec.js';
import { CounterRegistry } from '../telemetry/counters.js';
import { createLogger } from '../telemetry/logger.js';
import { FakeBpfObject } from '../testing/fake-bpf-object.js';
import { fileOpenPolicy, secretPolicy } from '../testing/policies.js';
import type { PolicyActor } from './audit-trail.js';
import { PolicyEngine } from './policy-engine.js';
import { parsePolicy } from './policy-document.js';
import { PolicyConflictError, PolicyNotFoundError } from './policy-set.js';

const CPUS = 2;
const MAX_RULES = PolicyLimits.POLICY_MAX_RULES;
const actor: PolicyActor = { via: 'cli', pid: 4242, uid: 0, user: 'root' };
const rule = new StructCodec('policy_rule');
const stats = new StructCodec('policy_stats');
const aggKey = new StructCodec('policy_agg_key');
const aggValue = new StructCodec('policy_agg_value');

function u32Key(n: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeUInt32LE(n);
  return key;
}

function start(tickMs = 60_000) {
  const object = new FakeBpfObject();
  const events: Event[] = [];
  const counters = new CounterRegistry();
  const engine = new PolicyEngine({
    object,
    variant: 'tracepoint',
    logger: createLogger('policy-engine-test'),
    emit: (e) => events.push(...e),
    clockOffsetNs: 0n,
    cpus: CPUS,
    counters,
    tickMs,
  });
  const audits = () => events.filter((e): e is PolicyAuditEvent => e.kind === 'policy.audit');
  const genSeq = () => readPolicyConfig(new RecordView(object.mapLookup('policy_config', u32Key(0))!), 0).genSeq;
  return { object, events, counters, engine, audits, genSeq };
}

const secret = (file = '/etc/ebpipe/policies/secret.yaml') =>
  parsePolicy(secretPolicy('secret', '/my/secret', '/my/cat', '      - action: Sigkill'), file);

describe('PolicyEngine on a fake BPF object', () => {
  test('apply installs a generation and switches to it; a same-named policy of another file is refused, audited, and changes nothing', () => {
    const { object, engine, audits, genSeq } = start();
    const status = engine.apply(secret(), actor);
    assert.equal(status.name, 'secret');
    assert.equal(status.id, 1);
    assert.equal(status.hooks.length, 1);
    assert.equal(status.hooks[0]?.counts.evaluated, 0);
    assert.equal(genSeq(), 1, 'the new generation is live');
    const written = object.mapLookup('policy_rules', u32Key(1 * MAX_RULES + 0));
    assert.ok(written, 'the rule is in the parity that went live');
    assert.equal(written.readUInt32LE(rule.offset('policy_id')), 1);
    assert.deepEqual(
      audits().map((a) => [a.action, a.result, a.policy, a.via, a.process.pid, a.process.user]),
      [['add', 'applied', 'secret', 'cli', 4242, 'root']],
    );

    assert.throws(() => engine.apply(secret('/elsewhere/secret.yaml'), actor), PolicyConflictError);
    assert.equal(genSeq(), 1, 'nothing was installed');
    const refused = audits()[1];
    assert.deepEqual(
      [refused?.action, refused?.result, refused?.file],
      ['replace', 'rejected', '/elsewhere/secret.yaml'],
    );
    assert.match(refused?.reason ?? '', /already loaded from \/etc\/ebpipe\/policies\/secret\.yaml/);

    engine.apply(secret(), actor);
    assert.equal(genSeq(), 2);
    assert.deepEqual(
      engine.list().map((p) => [p.name, p.id]),
      [['secret', 2]],
      'a replacement gets a new id',
    );
    assert.equal(audits()[2]?.action, 'replace');
    engine.close();
  });

  test('delete of an unknown policy is refused and audited; of a loaded one, its rules leave the live generation', () => {
    const { object, engine, audits, genSeq } = start();
    assert.throws(() => engine.delete('secret', actor), PolicyNotFoundError);
    assert.deepEqual(
      audits().map((a) => [a.action, a.result, a.reason]),
      [['delete', 'rejected', 'no policy named secret is loaded']],
    );
    engine.apply(secret(), actor);
    engine.delete('secret', actor);
    assert.equal(genSeq(), 2);
    assert.deepEqual(engine.list(), []);
    assert.equal(engine.policyFromFile('/etc/ebpipe/policies/secret.yaml'), undefined);
    const hook = object.mapLookup('policy_hooks', u32Key(0 * PolicyLimits.POLICY_MAX_RULES));
    assert.ok(hook, 'the live parity has its (empty) hook entries');
    assert.deepEqual(
      audits()
        .slice(1)
        .map((a) => [a.action, a.result, a.file]),
      [
        ['add', 'applied', '/etc/ebpipe/policies/secret.yaml'],
        ['delete', 'applied', '/etc/ebpipe/policies/secret.yaml'],
      ],
    );
    engine.close();
  });

  test('the kernel per-CPU rule counters add up in the status and are mirrored into counters on each tick', async () => {
    const { object, engine, counters } = start(5);
    engine.apply(secret(), actor);
    const stride = (stats.size + 7) & ~7;
    const perCpu = Buffer.alloc(stride * CPUS);
    const at = stats.offset('counts');
    perCpu.writeBigUInt64LE(3n, at + 8 * PolicyCounter.COUNT_EVALUATED);
    perCpu.writeBigUInt64LE(1n, at + 8 * PolicyCounter.COUNT_MATCHED);
    perCpu.writeBigUInt64LE(4n, stride + at + 8 * PolicyCounter.COUNT_EVALUATED);
    object.mapUpdate('policy_stats', u32Key(1 * MAX_RULES + 0), perCpu);
    const counts = engine.list()[0]?.hooks[0]?.counts;
    assert.equal(counts?.evaluated, 7);
    assert.equal(counts?.matched, 1);
    for (let i = 0; i < 100 && counters.total('policy_rule_events_total', { counter: 'evaluated' }) === 0; i++) {
      await delay(5);
    }
    assert.equal(counters.total('policy_rule_events_total', { policy: 'secret', counter: 'evaluated' }), 7);
    assert.equal(counters.total('policy_rule_events_total', { policy: 'secret', counter: 'matched' }), 1);
    engine.close();
  });

  test('aggregation counts the kernel left in its map come out as one summary per key, and as counters', () => {
    const { object, engine, events, counters } = start();
    const policy = fileOpenPolicy(
      'logs',
      `    - matchArgs:
      - index: 0
        operator: Prefix
        values: [/var/log/]
      matchActions:
      - action: Post
        aggregate:
          by: [binary, pathPrefix]
          window: 30s`,
    );
    engine.apply(parsePolicy(policy, '/etc/ebpipe/policies/logs.yaml'), actor);
    const key = aggKey.alloc();
    // Epoch 0 is the one counting before the first flip; prefix id 1 is the first Prefix value given out.
    aggKey.write(key, 0, { epoch: 0, policy_id: 1, rule_index: 0, selector: 0, prefix_id: 1, uid: 1000 });
    const value = aggValue.alloc();
    const binary = '/usr/bin/tail';
    aggValue.write(value, 0, { count: 5, first_ns: 10, last_ns: 20, binary_len: binary.length, binary });
    object.mapUpdate('policy_aggregates', key, value);

    engine.close();
    const summaries = events.filter((e): e is PolicySummaryEvent => e.kind === 'policy.summary');
    assert.deepEqual(
      summaries.map((s) => [s.policy, s.key, s.count, s.firstKtime, s.lastKtime, s.windowMs, s.process.binary]),
      [['logs', { binary, pathPrefix: '/var/log/' }, 5, 10, 20, 30_000, binary]],
    );
    assert.equal(counters.total('policy_aggregated_events_total', { policy: 'logs', path_prefix: '/var/log/' }), 5);
    assert.deepEqual(object.mapKeys('policy_aggregates'), [], 'drained: taken out of the kernel map');
  });
});
