/**
 * Micro-benchmark of the redactor's hot path: ns per call for typical event fields, next to a no-op
 * pass over the same inputs (a call that only reads each string's length), so the figure that
 * matters is the difference. Run: npx tsc -p tsconfig.json && node dist/bench/redact/run.js
 */
import { Redactor } from '../../src/processors/redact/redactor.js';

interface Case {
  readonly name: string;
  /** Takes the slow path: fewer iterations keep the run short. */
  readonly slow?: boolean;
  readonly run: (redactor: Redactor) => unknown;
  readonly baseline: () => unknown;
}

const LS_ARGV = ['ls', '-la', '/tmp'];
const LONG_PATH = '/home/builder/projects/ebpipe/node_modules/typescript/lib/lib.es2022.intl.d.ts';
const KEY_PATH = '/etc/ssh/ssh_host_ed25519_key.pub';
const SECRET_TEXT = 'curl -H "Authorization: Bearer abcdef0123456789" https://deploy:hunter2@api.example.com/v1';
const MYSQL_ARGV = ['mysql', '-h', 'db.internal', '-uroot', '-phunter2', 'orders'];

function lengthOf(values: readonly string[]): number {
  let n = 0;
  for (const v of values) n += v.length;
  return n;
}

const CASES: readonly Case[] = [
  {
    name: 'clean argv: /usr/bin/ls -la /tmp',
    run: (r) => r.redactArgv('/usr/bin/ls', LS_ARGV),
    baseline: () => lengthOf(LS_ARGV),
  },
  {
    name: `clean long path (${LONG_PATH.length} chars)`,
    run: (r) => r.redactString(LONG_PATH),
    baseline: () => LONG_PATH.length,
  },
  {
    name: 'clean path with a trigger word ("key")',
    run: (r) => r.redactString(KEY_PATH),
    baseline: () => KEY_PATH.length,
  },
  {
    name: 'string with 2 secrets (bearer, url)',
    slow: true,
    run: (r) => r.redactString(SECRET_TEXT),
    baseline: () => SECRET_TEXT.length,
  },
  {
    name: 'argv with a secret: mysql ... -phunter2',
    slow: true,
    run: (r) => r.redactArgv('/usr/bin/mysql', MYSQL_ARGV),
    baseline: () => lengthOf(MYSQL_ARGV),
  },
];

let sink: unknown;

function nsPerOp(fn: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink = fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Best of several rounds, after a warm-up, to keep GC and JIT noise out of the figure. */
function measure(fn: () => unknown, iterations: number): number {
  nsPerOp(fn, iterations);
  let best = Infinity;
  for (let round = 0; round < 5; round++) best = Math.min(best, nsPerOp(fn, iterations));
  return best;
}

const redactor = new Redactor();
const iterations = Number(process.argv[2] ?? 1_000_000);
console.log(`node ${process.version}, ${iterations} iterations per round, best of 5 rounds`);
console.log(`${'input'.padEnd(46)} ${'no-op ns/op'.padStart(12)} ${'redact ns/op'.padStart(13)}`);
for (const c of CASES) {
  const base = measure(c.baseline, iterations);
  const redact = measure(() => c.run(redactor), c.slow === true ? iterations / 20 : iterations);
  console.log(`${c.name.padEnd(46)} ${base.toFixed(1).padStart(12)} ${redact.toFixed(1).padStart(13)}`);
}
if (sink === Symbol.for('never')) console.log('unreachable: keeps the results alive');
