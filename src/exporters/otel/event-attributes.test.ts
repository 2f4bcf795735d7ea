import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { projectRoot } from '../../common/paths.js';
import { sampleEvents } from '../../testing/sample-events.js';
import type { AttributeType } from './attribute-field.js';
import { ATTRIBUTES_BY_KIND, EVENT_KINDS, eventAttributes } from './event-attributes.js';
import type { AttributeValue } from './log-record.js';
import { renderMappingTable } from './mapping-table.js';
import { agentResource } from './resource.js';

/** The registry's attribute names, templates as `prefix.<key>`, and which of them are deprecated. */
function registry(): { names: Set<string>; deprecated: Set<string> } {
  const names = new Set<string>();
  const byConstant = new Map<string, string>();
  for (const [constant, value] of Object.entries(semconv)) {
    if (!constant.startsWith('ATTR_')) continue;
    const name = typeof value === 'function' ? value('<key>') : String(value);
    names.add(name);
    byConstant.set(constant, name);
  }
  const dist = dirname(createRequire(import.meta.url).resolve('@opentelemetry/semantic-conventions/incubating'));
  const deprecated = new Set<string>();
  for (const file of ['experimental_attributes.d.mts', 'stable_attributes.d.mts']) {
    const text = readFileSync(join(dist, file), 'utf8');
    for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*declare const (ATTR_\w+)/g)) {
      if (m[1]!.includes('@deprecated')) deprecated.add(byConstant.get(m[2]!) ?? m[2]!);
    }
  }
  return { names, deprecated };
}

function typeOf(value: AttributeValue): AttributeType {
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? 'string[]' : 'int[]';
  if (typeof value === 'number') return 'int';
  if (typeof value === 'boolean') return 'bool';
  return 'string';
}

/** The declared name an attribute falls under: itself, or the family whose `<key>` part it fills. */
function declaredName(declared: readonly string[], name: string): string | undefined {
  return declared.find((d) => {
    if (!d.includes('<')) return d === name;
    const [before, after] = d.split(/<[a-z]+>/) as [string, string];
    return name.startsWith(before) && name.endsWith(after) && name.length > before.length + after.length;
  });
}

describe('event attributes', () => {
  const { names, deprecated } = registry();

  it('every name outside ebpipe.* is a current semantic-conventions attribute', () => {
    const used = new Set<string>();
    for (const fields of ATTRIBUTES_BY_KIND.values()) for (const f of fields) used.add(f.name);
    for (const name of Object.keys(agentResource().attributes)) used.add(name);
    const checked = [...used].flatMap((name) =>
      // The workload family is one semconv attribute per controller kind.
      name === 'k8s.<workload>.name'
        ? ['deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'replicaset'].map((k) => `k8s.${k}.name`)
        : [name],
    );
    for (const name of checked.filter((n) => !n.startsWith('ebpipe.'))) {
      assert.ok(names.has(name), `${name} is not in the semantic-conventions registry: name it ebpipe.*`);
      assert.ok(!deprecated.has(name), `${name} is deprecated in the semantic-conventions registry`);
    }
  });

  it('the samples cover every kind, and each attribute a sample carries is declared for its kind with its type', () => {
    const samples = sampleEvents();
    assert.deepEqual(new Set(samples.map((e) => e.kind)), new Set(EVENT_KINDS));
    const carried = new Map<string, Set<string>>();
    for (const event of samples) {
      const declared = ATTRIBUTES_BY_KIND.get(event.kind)!;
      const seen = carried.get(event.kind) ?? new Set<string>();
      carried.set(event.kind, seen);
      for (const [name, value] of Object.entries(eventAttributes(event))) {
        const field = declaredName(
          declared.map((f) => f.name),
          name,
        );
        assert.ok(field, `${event.kind} carries ${name}, which its mapping does not declare`);
        const type = declared.find((f) => f.name === field)!.type;
        assert.equal(typeOf(value), type, `${event.kind} ${name}: ${JSON.stringify(value)} is not ${type}`);
        seen.add(field);
      }
    }
    for (const kind of EVENT_KINDS) {
      const missing = ATTRIBUTES_BY_KIND.get(kind)!
        .map((f) => f.name)
        .filter((n) => !carried.get(kind)!.has(n));
      assert.deepEqual(missing, [], `${kind}: declared attributes no sample carries`);
    }
  });

  it('names each attribute once per kind', () => {
    for (const [kind, fields] of ATTRIBUTES_BY_KIND) {
      const seen = fields.map((f) => f.name);
      assert.deepEqual(
        seen.filter((n, i) => seen.indexOf(n) !== i),
        [],
        kind,
      );
    }
  });

  it('bind and listen carry no peer; a connect does', () => {
    for (const event of sampleEvents()) {
      const attrs = eventAttributes(event);
      if (event.kind === 'network.bind' || event.kind === 'network.listen') {
        assert.equal(attrs['network.peer.address'], undefined, event.kind);
        assert.equal(attrs['network.local.port'], 40000);
      }
      if (event.kind === 'network.connect') assert.equal(attrs['network.peer.port'], 443);
    }
  });

  it('MAPPING.md is the table the code renders (make generate writes it)', () => {
    const committed = readFileSync(join(projectRoot, 'src', 'exporters', 'otel', 'MAPPING.md'), 'utf8');
    assert.equal(committed, renderMappingTable(), 'src/exporters/otel/MAPPING.md is stale: run `make generate`');
  });
});
