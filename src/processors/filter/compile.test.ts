import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileCondition, type CompileOptions } from './compile.js';
import { FilterExpressionError } from './errors.js';

const exec = {
  kind: 'process.exec',
  process: {
    binary: '/usr/bin/curl',
    argv: ['curl', '-s', 'http://example.com'],
    uid: 1001,
    pid: 4242n,
    tty: true,
    parent: { binary: '/bin/bash' },
  },
  file: { path: '/etc/shadow' },
  network: { dport: 8443, bytes: 9007199254740993n },
  creds: { uid: 1000, euid: 0, gid: 1000n },
};

const check = (source: string, event: object = exec) => compileCondition(source)(event);

function compileError(source: string, options?: CompileOptions) {
  try {
    compileCondition(source, options);
  } catch (err) {
    assert.ok(err instanceof FilterExpressionError);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(source)} to be rejected`);
}

describe('compileCondition: operators', () => {
  it('evaluates the documented examples', () => {
    const condition =
      'kind == "process.exec" and process.binary startsWith "/usr/bin/" and not (process.uid in [0, 1000])';
    assert.equal(check(condition), true);
    assert.equal(check(condition, { ...exec, process: { ...exec.process, uid: 1000 } }), false);
    assert.equal(check(condition, { ...exec, kind: 'process.exit' }), false);
    const either = 'file.path matches "^/etc/(shadow|passwd)$" or network.dport >= 1024';
    assert.equal(check(either), true);
    assert.equal(check(either, { file: { path: '/etc/hosts' }, network: { dport: 80 } }), false);
    assert.equal(check(either, { file: { path: '/etc/hosts' }, network: { dport: 1024 } }), true);
  });

  it('follows precedence: not a or b and c is (not a) or (b and c)', () => {
    const condition = compileCondition('not a or b and c');
    for (const a of [false, true]) {
      for (const b of [false, true]) {
        for (const c of [false, true]) {
          assert.equal(condition({ a, b, c }), !a || (b && c), `a=${a} b=${b} c=${c}`);
        }
      }
    }
  });

  it('compares equality on strings, numbers, booleans and null', () => {
    assert.equal(check('kind == "process.exec"'), true);
    assert.equal(check('kind == "process.exit"'), false);
    assert.equal(check('kind != "process.exit"'), true);
    assert.equal(check('process.uid == 1001'), true);
    assert.equal(check('process.uid == "1001"'), false);
    assert.equal(check('process.tty == true'), true);
    assert.equal(check('process.tty != false'), true);
    assert.equal(check('process.uid == null'), false);
    assert.equal(check('process.uid != null'), true);
  });

  it('compares numbers and bigints by value', () => {
    assert.equal(check('process.pid == 4242'), true);
    assert.equal(check('process.pid != 4242'), false);
    assert.equal(check('process.pid > 4241'), true);
    assert.equal(check('process.pid >= 4243'), false);
    assert.equal(check('process.pid < 4243'), true);
    assert.equal(check('process.pid <= 4242'), true);
    assert.equal(check('network.bytes == 9007199254740993'), true);
    assert.equal(check('network.bytes == 9007199254740992'), false);
    assert.equal(check('network.bytes > 9007199254740992'), true);
    assert.equal(check('network.dport < 18446744073709551615'), true);
    assert.equal(check('x == 9007199254740992', { x: 2 ** 53 }), true);
    assert.equal(check('x != 9007199254740992', { x: 2 ** 53 }), false);
    assert.equal(check('x == 9007199254740993', { x: 2 ** 53 }), false);
    assert.equal(check('creds.gid == creds.uid'), true);
    assert.equal(check('creds.gid != creds.uid'), false);
    assert.equal(check('creds.uid != creds.euid'), true);
    assert.equal(check('creds.uid > creds.euid'), true);
    assert.equal(check('creds.uid <= creds.euid'), false);
    assert.equal(check('network.dport == -8443'), false);
    assert.equal(check('network.dport > -1'), true);
  });

  it('orders numbers only: strings, booleans and missing fields are never less or greater', () => {
    assert.equal(check('kind < 5'), false);
    assert.equal(check('kind >= 5'), false);
    assert.equal(check('process.tty > 0'), false);
    assert.equal(check('process.uid < process.binary'), false);
  });

  it('tests string prefixes, suffixes and substrings', () => {
    assert.equal(check('process.binary startsWith "/usr/bin/"'), true);
    assert.equal(check('process.binary startsWith "/bin/"'), false);
    assert.equal(check('process.binary endsWith "/curl"'), true);
    assert.equal(check('process.binary endsWith "/wget"'), false);
    assert.equal(check('process.binary contains "bin/cu"'), true);
    assert.equal(check('process.binary contains "sbin"'), false);
    assert.equal(check('process.binary startsWith ""'), true);
    assert.equal(check('process.binary endsWith process.parent.binary'), false);
    assert.equal(check('process.uid startsWith process.binary'), false);
    assert.equal(check('process.uid contains "100"'), false);
  });

  it('tests array membership with contains by element equality', () => {
    assert.equal(check('process.argv contains "-s"'), true);
    assert.equal(check('process.argv contains "-"'), false);
    assert.equal(check('process.argv contains 1'), false);
    assert.equal(check('ports contains 443', { ports: [80n, 443n] }), true);
    assert.equal(check('ports contains 22', { ports: [80n, 443n] }), false);
    assert.equal(check('ports contains wanted', { ports: [80, 443], wanted: 443n }), true);
  });

  it('matches regular expressions against strings only', () => {
    assert.equal(check('file.path matches "^/etc/(shadow|passwd)$"'), true);
    assert.equal(check('file.path matches "^/etc/passwd$"'), false);
    assert.equal(
      check('file.path matches "\\\\.ssh/"', {
        file: { path: '/root/.ssh/id_rsa' },
      }),
      true,
    );
    assert.equal(
      check('file.path matches "\\\\.ssh/"', {
        file: { path: '/root/xssh/id_rsa' },
      }),
      false,
    );
    assert.equal(check('process.uid matches "1"'), false);
    // Repeated evaluation gives the same answer: the compiled regex keeps no state between events.
    const condition = compileCondition('file.path matches "shadow"');
    assert.deepEqual([condition(exec), condition(exec), condition(exec)], [true, true, true]);
  });

  it('tests list membership with in', () => {
    assert.equal(check('process.uid in [0, 1001]'), true);
    assert.equal(check('process.uid in [0, 1000]'), false);
    assert.equal(check('process.pid in [1, 4242]'), true);
    assert.equal(check('network.bytes in [9007199254740993]'), true);
    assert.equal(check('x in [9007199254740992]', { x: 2 ** 53 }), true);
    assert.equal(check('x in [9007199254740993]', { x: 2 ** 53 }), false);
    assert.equal(check('kind in ["process.fork", "process.exec"]'), true);
    assert.equal(check('process.uid in ["1001"]'), false);
    assert.equal(check('process.tty in [true]'), true);
    assert.equal(check('process.uid in []'), false);
  });

  it('tests a bare field and constants', () => {
    assert.equal(check('process.tty'), true);
    assert.equal(check('not process.tty'), false);
    assert.equal(check('process.uid'), false);
    assert.equal(check('true'), true);
    assert.equal(check('false or kind == "process.exec"'), true);
  });
});

describe('compileCondition: missing fields', () => {
  it('reads a missing field, or a field below a missing or non-object parent, as null', () => {
    for (const path of ['nope', 'process.nope', 'nope.deeper', 'kind.length']) {
      assert.equal(check(`${path} == null`), true, path);
      assert.equal(check(`${path} != null`), false, path);
      assert.equal(check(`${path} in [null]`), true, path);
      assert.equal(check(`${path} in [0, ""]`), false, path);
      assert.equal(check(`${path} == 0`), false, path);
      assert.equal(check(`${path} == ""`), false, path);
      assert.equal(check(`${path} != 0`), true, path);
      assert.equal(check(`${path} < 1`), false, path);
      assert.equal(check(`${path} >= 0`), false, path);
      assert.equal(check(`${path} startsWith ""`), false, path);
      assert.equal(check(`${path} endsWith ""`), false, path);
      assert.equal(check(`${path} contains ""`), false, path);
      assert.equal(check(`${path} matches ""`), false, path);
      assert.equal(check(path), false, path);
    }
  });

  it('reads the length of an array, the only property an array has', () => {
    assert.equal(check('process.argv.length == 3'), true);
  });

  it('treats null values like missing fields', () => {
    assert.equal(check('x == null', { x: null }), true);
    assert.equal(check('x == y', { x: null }), true);
    assert.equal(check('x == y', { x: 1 }), false);
    assert.equal(check('x.y == null', { x: null }), true);
  });

  it('reads fields through getters of class instances', () => {
    class Exec {
      get binary(): string {
        return '/bin/sh';
      }
    }
    assert.equal(check('process.binary == "/bin/sh"', { process: new Exec() }), true);
  });
});

describe('compileCondition: schema and compile errors', () => {
  const knownFields = new Set(['kind', 'process.binary', 'process.uid', 'process.argv', 'file.path']);

  it('accepts known fields and their parents', () => {
    const condition = compileCondition('process != null and process.uid == 0 and kind == "x"', { knownFields });
    assert.equal(condition({ kind: 'x', process: { uid: 0 } }), true);
  });

  it('names an unknown field with a suggestion for a close spelling', () => {
    const err = compileError('kind == "x" and proces.binary == "/bin/sh"', {
      knownFields,
    });
    assert.equal(err.code, 'FILTER_UNKNOWN_FIELD');
    assert.equal(err.message, "unknown field 'proces.binary' (did you mean 'process.binary'?) at 1:17");
    assert.equal(
      compileError('process.uidd == 0', { knownFields }).message,
      "unknown field 'process.uidd' (did you mean 'process.uid'?) at 1:1",
    );
    assert.equal(
      compileError('fiel.paht == 0', { knownFields }).message,
      "unknown field 'fiel.paht' (did you mean 'file.path'?) at 1:1",
    );
  });

  it('suggests the known field a short name is the last segment of', () => {
    assert.equal(
      compileError('uid == 0', { knownFields }).message,
      "unknown field 'uid' (did you mean 'process.uid'?) at 1:1",
    );
  });

  it('names an unknown field without a suggestion when nothing is close', () => {
    assert.equal(compileError('network.dport > 1024', { knownFields }).message, "unknown field 'network.dport' at 1:1");
  });

  it('checks fields on the right of an operator too, at their own position', () => {
    const err = compileError('process.uid == process.euid', {
      knownFields,
      origin: { file: 'p.yaml', line: 7, column: 14 },
    });
    assert.equal(err.message, "unknown field 'process.euid' (did you mean 'process.uid'?) at p.yaml:7:29");
  });

  it('accepts any field without a schema', () => {
    assert.equal(compileCondition('anything.at.all == null')({}), true);
  });

  it('rejects an invalid regular expression at its string', () => {
    const err = compileError('kind == "x" or file.path matches "(unclosed"', {
      origin: { file: 'p.yaml', line: 2, column: 3 },
    });
    assert.equal(err.code, 'FILTER_BAD_REGEX');
    assert.equal(err.message, 'invalid regular expression "(unclosed": unterminated group at p.yaml:2:36');
  });

  it('reports syntax errors through compileCondition with the origin', () => {
    const err = compileError('kind ==', {
      origin: { file: 'p.yaml', line: 9, column: 20 },
    });
    assert.equal(err.message, "expected a value after '==', found end of input at p.yaml:9:27");
  });
});
