// The C structs of bpf/include/events.h, the BTF of the compiled objects and the generated
// TypeScript decoder must agree. Fails when any of them drifts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateDecoder, layoutsFrom, readBtf } from '../scripts/generate-decoder.js';
import { LAYOUTS } from '../src/events/generated/abi.js';
import { RECORD_HEADER } from '../src/events/record-view.js';
import { bpfObjectDir, projectRoot } from '../src/common/paths.js';
import { requirement } from './helpers/environment.js';

const abiObject = join(bpfObjectDir, 'abi.bpf.o');
/** events.h and the headers of the map entries user space writes (policy.h). */
const abiHeaders = join(projectRoot, 'bpf/include');
const objectsMissing = existsSync(abiObject) ? null : `${abiObject} is not built (run make bpf)`;

test('the committed decoder is what the compiled ABI generates', (t) => {
  if (!requirement(t, objectsMissing)) return;
  const committed = readFileSync(join(projectRoot, 'src/events/generated/abi.ts'), 'utf8');
  assert.equal(generateDecoder(abiObject), committed, 'run `make generate` and commit src/events/generated/abi.ts');
});

test('every loaded object lays out the ABI structs it contains as the decoder expects', (t) => {
  if (!requirement(t, objectsMissing)) return;
  const objects = readdirSync(bpfObjectDir).filter((f) => f.endsWith('.bpf.o'));
  assert.ok(objects.length >= 2, `objects in ${bpfObjectDir}: ${objects.join(', ')}`);
  let compared = 0;
  for (const object of objects) {
    const layouts = layoutsFrom(readBtf(join(bpfObjectDir, object)), Object.keys(LAYOUTS));
    for (const [name, layout] of Object.entries(layouts)) {
      assert.deepEqual(layout, LAYOUTS[name], `struct ${name} in ${object}`);
      compared++;
    }
  }
  assert.ok(compared >= Object.keys(LAYOUTS).length, 'at least abi.bpf.o carries every struct');
});

test('the host C compiler lays out the ABI headers as the BPF target does', (t) => {
  if (!requirement(t, objectsMissing)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ebpipe-abi-'));
  const checks = Object.entries(LAYOUTS).flatMap(([struct, layout]) => [
    `  printf("%s %zu\\n", "${struct}", sizeof(struct ${struct}));`,
    ...Object.entries(layout.fields).map(([f, l]) =>
      // A flexible tail (size 0) has no sizeof in C.
      l.size === 0
        ? `  printf("%s.%s %zu 0\\n", "${struct}", "${f}", offsetof(struct ${struct}, ${f}));`
        : `  printf("%s.%s %zu %zu\\n", "${struct}", "${f}", offsetof(struct ${struct}, ${f}), sizeof(((struct ${struct} *)0)->${f}));`,
    ),
  ]);
  writeFileSync(
    join(dir, 'layout.c'),
    [
      '#include <stddef.h>',
      '#include <stdio.h>',
      ...readdirSync(abiHeaders)
        .filter((h) => h.endsWith('.h'))
        .map((h) => `#include "${h}"`),
      'int main(void) {',
      ...checks,
      '  return 0;',
      '}',
    ].join('\n'),
  );
  execFileSync('cc', ['-I', abiHeaders, '-o', join(dir, 'layout'), join(dir, 'layout.c')]);
  const printed = execFileSync(join(dir, 'layout'), { encoding: 'utf8' });
  const expected = Object.entries(LAYOUTS)
    .flatMap(([struct, layout]) => [
      `${struct} ${layout.size}`,
      ...Object.entries(layout.fields).map(([f, l]) => `${struct}.${f} ${l.offset} ${l.size}`),
    ])
    .join('\n');
  assert.equal(printed.trim(), expected);
});

test('every record starts with its header and acting task where the decoder reads them', () => {
  const header = LAYOUTS['event_header']!.fields;
  const task = LAYOUTS['task_ids']!.fields;
  assert.equal(header['cpu']?.offset, RECORD_HEADER.cpu);
  assert.equal(header['ktime']?.offset, RECORD_HEADER.ktime);
  assert.equal(header['seq']?.offset, RECORD_HEADER.seq);
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    if (!name.endsWith('_event')) continue;
    assert.equal(layout.fields['hdr']?.offset, 0, `${name}.hdr`);
    const at = layout.fields['task']?.offset;
    assert.equal(at, RECORD_HEADER.tgid - (task['tgid']?.offset ?? 0), `${name}.task`);
    assert.equal(at + task['pid']!.offset, RECORD_HEADER.pid);
    assert.equal(at + task['start_ns']!.offset, RECORD_HEADER.startNs);
  }
});
