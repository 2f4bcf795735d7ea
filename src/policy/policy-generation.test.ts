import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicyHook, PolicyNeeds, PolicySubject } from '../events/generated/abi.js';
import { parsePolicy } from './policy-document.js';
import { buildGeneration, MAX_FILTER_BITS, PolicyCapacityError, type GenerationInput } from './policy-generation.js';
import { planPolicy } from './policy-plan.js';
import { fileOpenPolicy } from '../testing/policies.js';

function plan(name: string, selectors: string) {
  return planPolicy(parsePolicy(fileOpenPolicy(name, selectors), `${name}.yaml`), 'tracepoint');
}

function input(
  plans: ReturnType<typeof plan>[],
  identities: Record<string, { dev: bigint; ino: bigint }[]> = {},
): GenerationInput {
  const ids = new Map<string, number>();
  return {
    policies: plans.map((p, i) => ({ id: i + 1, plan: p })),
    fileIdentities: new Map(Object.entries(identities)),
    binaryIdentities: new Map(),
    prefixId: (prefix) => {
      if (!ids.has(prefix)) ids.set(prefix, ids.size + 1);
      return ids.get(prefix)!;
    },
  };
}

const names = (gen: ReturnType<typeof buildGeneration>) =>
  Object.fromEntries(
    gen.names.map((n) => [
      `${n.subject}:${n.data.toString()}`,
      { prefix: n.prefix, exact: n.exact, prefixId: n.prefixId },
    ]),
  );

describe('policy generations', () => {
  test('each filter gets a bit: selectors require theirs and forbid the negated ones', () => {
    const gen = buildGeneration(
      input(
        [
          plan(
            'secret',
            `    - matchArgs:
      - index: 0
        operator: Equal
        values: [/my/secret]
      matchBinaries:
      - operator: NotIn
        values: [/my/cat]
      matchActions:
      - action: Sigkill`,
          ),
        ],
        {
          '/my/secret': [
            { dev: 2049n, ino: 12n },
            { dev: 2049n, ino: 99n },
          ],
        },
      ),
    );
    assert.equal(gen.filterBits, 2);
    const [rule] = gen.rules;
    assert.equal(rule?.selectors[0]?.require, 0b01n);
    assert.equal(rule?.selectors[0]?.forbid, 0b10n);
    const file = gen.hooks.find((h) => h.hook === PolicyHook.HOOK_FILE_OPEN)!;
    assert.equal(file.nRules, 1);
    // Only Equal paths: a file whose name is not /my/secret's is not walked up to its path.
    assert.equal(
      file.needs,
      PolicyNeeds.NEED_PATH | PolicyNeeds.NEED_INODE | PolicyNeeds.NEED_BINARY | PolicyNeeds.NEED_BASENAME,
    );
    assert.deepEqual(
      gen.basenames.map((b) => b.toString()),
      ['secret'],
    );
    assert.deepEqual(names(gen), {
      [`${PolicySubject.SUBJECT_FILE}:/my/secret`]: { prefix: 0n, exact: 0b01n, prefixId: 0 },
      [`${PolicySubject.SUBJECT_BINARY}:/my/cat`]: { prefix: 0n, exact: 0b10n, prefixId: 0 },
    });
    // Every identity the protected file had (a replaced file keeps its earlier ones).
    assert.deepEqual(
      gen.inodes.map((i) => [i.subject, i.ino, i.bits]),
      [
        [PolicySubject.SUBJECT_FILE, 12n, 0b01n],
        [PolicySubject.SUBJECT_FILE, 99n, 0b01n],
      ],
    );
  });

  test('the longest name entry carries the bits of the shorter prefixes above it, and the id of the longest Prefix', () => {
    const gen = buildGeneration(
      input([
        plan(
          'etc',
          `    - matchArgs:
      - index: 0
        operator: Prefix
        values: [/etc/]
    - matchArgs:
      - index: 0
        operator: Prefix
        values: [/etc/ssh/]
    - matchArgs:
      - index: 0
        operator: Equal
        values: [/etc/ssh/sshd_config]
    - matchArgs:
      - index: 0
        operator: Postfix
        values: [.pem]`,
        ),
      ]),
    );
    const byName = names(gen);
    assert.deepEqual(byName[`${PolicySubject.SUBJECT_FILE}:/etc/`], { prefix: 0b0001n, exact: 0n, prefixId: 1 });
    assert.deepEqual(byName[`${PolicySubject.SUBJECT_FILE}:/etc/ssh/`], { prefix: 0b0011n, exact: 0n, prefixId: 2 });
    assert.deepEqual(byName[`${PolicySubject.SUBJECT_FILE}:/etc/ssh/sshd_config`], {
      prefix: 0b0011n,
      exact: 0b0100n,
      prefixId: 2,
    });
    // A Postfix is a prefix of the path read backwards.
    assert.deepEqual(byName[`${PolicySubject.SUBJECT_FILE_REVERSED}:mep.`], {
      prefix: 0b1000n,
      exact: 0n,
      prefixId: 0,
    });
    const file = gen.hooks.find((h) => h.hook === PolicyHook.HOOK_FILE_OPEN)!;
    assert.equal(file.needs, PolicyNeeds.NEED_PATH | PolicyNeeds.NEED_PATH_REVERSED | PolicyNeeds.NEED_INODE);
  });

  test('rules of every policy are laid out by hook, selectors after one another', () => {
    const a = plan('a', '    - matchActions:\n      - action: Post');
    const b = plan('b', '    - matchActions:\n      - action: Post\n    - matchActions:\n      - action: NoPost');
    const gen = buildGeneration(input([a, b]));
    assert.deepEqual(
      gen.rules.map((r) => [r.policyName, r.firstSelector, r.selectors.length]),
      [
        ['a', 0, 1],
        ['b', 1, 2],
      ],
    );
    assert.equal(gen.filterBits, 0);
  });

  test('more filters than the kernel has bits for: the policy that did not fit is named', () => {
    const selectors = Array.from(
      { length: 5 },
      (_, i) =>
        `    - matchArgs:\n${Array.from({ length: 60 }, (_, j) => `      - index: 0\n        operator: Prefix\n        values: [/p${i}/${j}/]`).join('\n')}`,
    ).join('\n');
    const big = plan('big', selectors);
    assert.throws(
      () => buildGeneration(input([big])),
      (err: unknown) =>
        err instanceof PolicyCapacityError &&
        err.policy === 'big' &&
        err.message.includes(`more than ${MAX_FILTER_BITS} filters`),
    );
  });
});
