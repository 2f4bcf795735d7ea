import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../common/paths.js';
import { checkPolicies } from './policy.js';

const examples = join(projectRoot, 'config/policies');
const files = readdirSync(examples)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(examples, f));

function check(variant: 'lsm' | 'tracepoint'): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = checkPolicies(files, variant, {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
  });
  return { code, out, err };
}

test('every example policy is valid on a kernel with BPF LSM', () => {
  const { code, out, err } = check('lsm');
  assert.equal(err, '');
  assert.equal(code, 0);
  assert.equal(out.split('\n').filter((l) => l.endsWith(')')).length, files.length);
  assert.match(out, /block-secret-access\.yaml: ok \(block-secret-access\)\n/);
});

test('without BPF LSM only the Override example is refused, at its line and field', () => {
  const { code, err } = check('tracepoint');
  assert.equal(code, 1);
  assert.equal(
    err,
    `${join(examples, 'block-secret-access-lsm.yaml')}:25:17: spec.lsmhooks[0].selectors[0].matchActions[0].action: ` +
      'Override cannot be honoured here: this kernel allows no BPF LSM programs, so the open is caught at its syscall exit, ' +
      'after it happened: use Sigkill (the process dies before it can use the file), or boot with lsm=...,bpf\n',
  );
});
