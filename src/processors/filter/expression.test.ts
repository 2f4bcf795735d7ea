import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FilterExpressionError } from './errors.js';
import { parseCondition, type Expr } from './expression.js';

const field = (path: string, offset: number) => ({ type: 'field', path, offset }) as const;

/** Parses and returns the error, failing the test when parsing succeeds. */
function parseError(source: string, origin?: { file?: string; line: number; column: number }) {
  try {
    parseCondition(source, origin);
  } catch (err) {
    assert.ok(err instanceof FilterExpressionError);
    return err;
  }
  assert.fail(`expected ${JSON.stringify(source)} to be rejected`);
}

describe('parseCondition: tree', () => {
  it('binds not tighter than and, and tighter than or', () => {
    const expected: Expr = {
      type: 'or',
      left: { type: 'not', operand: { type: 'isTrue', field: field('a', 4) } },
      right: {
        type: 'and',
        left: { type: 'isTrue', field: field('b', 9) },
        right: { type: 'isTrue', field: field('c', 15) },
      },
    };
    assert.deepEqual(parseCondition('not a or b and c'), expected);
  });

  it('groups and and or from the left, and parentheses override precedence', () => {
    const tree = parseCondition('(a or b) and not not c and d');
    assert.equal(tree.type, 'and');
    assert.ok(tree.type === 'and');
    assert.equal(tree.left.type, 'and');
    assert.deepEqual(tree.right, { type: 'isTrue', field: field('d', 27) });
    assert.ok(tree.left.type === 'and');
    assert.equal(tree.left.left.type, 'or');
    assert.deepEqual(tree.left.right, {
      type: 'not',
      operand: {
        type: 'not',
        operand: { type: 'isTrue', field: field('c', 21) },
      },
    });
  });

  it('reads comparisons with literal and field operands', () => {
    assert.deepEqual(parseCondition('kind == "process.exec"'), {
      type: 'compare',
      operator: '==',
      field: field('kind', 0),
      operand: { type: 'literal', value: 'process.exec' },
    });
    assert.deepEqual(parseCondition('creds.uid != creds.euid'), {
      type: 'compare',
      operator: '!=',
      field: field('creds.uid', 0),
      operand: field('creds.euid', 13),
    });
  });

  it('needs no spaces around symbols', () => {
    assert.deepEqual(parseCondition('(x>=-1)and(kind=="a")'), {
      type: 'and',
      left: {
        type: 'compare',
        operator: '>=',
        field: field('x', 1),
        operand: { type: 'literal', value: -1 },
      },
      right: {
        type: 'compare',
        operator: '==',
        field: field('kind', 11),
        operand: { type: 'literal', value: 'a' },
      },
    });
  });

  it('reads every comparison operator', () => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=', 'startsWith', 'endsWith', 'contains']) {
      const operand = op.endsWith('With') ? '"x"' : '1';
      const tree = parseCondition(`f ${op} ${operand}`);
      assert.ok(tree.type === 'compare', op);
      assert.equal(tree.operator, op);
    }
  });

  it('reads literals: strings with escapes, integers, bigints, booleans, null', () => {
    const literal = (src: string) => {
      const tree = parseCondition(`f == ${src}`);
      assert.ok(tree.type === 'compare' && tree.operand.type === 'literal');
      return tree.operand.value;
    };
    assert.equal(literal('"a\\"b\\\\c\\n\\t\\r\\u00e9"'), 'a"b\\c\n\t\ré');
    assert.equal(literal('""'), '');
    assert.equal(literal('42'), 42);
    assert.equal(literal('-7'), -7);
    assert.equal(literal('9007199254740991'), 9007199254740991);
    assert.equal(literal('9007199254740993'), 9007199254740993n);
    assert.equal(literal('-18446744073709551616'), -18446744073709551616n);
    assert.equal(literal('true'), true);
    assert.equal(literal('false'), false);
    assert.equal(literal('null'), null);
  });

  it('reads in-lists, matches, constants and multi-line conditions', () => {
    assert.deepEqual(parseCondition('x in [0, "a", null, true]'), {
      type: 'in',
      field: field('x', 0),
      values: [0, 'a', null, true],
    });
    assert.deepEqual(parseCondition('x in []'), {
      type: 'in',
      field: field('x', 0),
      values: [],
    });
    assert.deepEqual(parseCondition('p matches "^/etc/"'), {
      type: 'matches',
      field: field('p', 0),
      pattern: '^/etc/',
      patternOffset: 10,
    });
    assert.deepEqual(parseCondition('  false '), {
      type: 'constant',
      value: false,
    });
    assert.deepEqual(parseCondition('a\n  and\tb'), {
      type: 'and',
      left: { type: 'isTrue', field: field('a', 0) },
      right: { type: 'isTrue', field: field('b', 8) },
    });
  });

  it('allows reserved words inside a path but not as a whole field name', () => {
    assert.deepEqual(parseCondition('network.in'), {
      type: 'isTrue',
      field: field('network.in', 0),
    });
    assert.equal(parseError('in == 1').message, "expected a condition, found 'in' at 1:1");
  });
});

describe('parseCondition: errors', () => {
  const cases: [source: string, message: string][] = [
    ['', 'expected a condition, found end of input at 1:1'],
    ['kind ==', "expected a value after '==', found end of input at 1:8"],
    ['kind == "process.exec" and x == and', "expected a value after '==', found 'and' at 1:33"],
    ['kind == 1 and', "expected a condition after 'and', found end of input at 1:14"],
    ['a or )', "expected a condition after 'or', found ')' at 1:6"],
    ['not', "expected a condition after 'not', found end of input at 1:4"],
    ['"x" == kind', 'expected a condition, found "x" at 1:1'],
    ['null', "expected a condition, found 'null' at 1:1"],
    ['process.uid 5', "expected an operator, 'and', 'or' or end of input, found 5 at 1:13"],
    ['kind == "a" "b"', "expected 'and', 'or' or end of input, found \"b\" at 1:13"],
    ['(a == 1', "expected 'and', 'or' or ')' to close the '(' at 1:1, found end of input at 1:8"],
    ['a == 1)', "expected 'and', 'or' or end of input, found ')' at 1:7"],
    ['x < "5"', 'expected a number or field after \'<\', found "5" at 1:5'],
    ['x >= null', "expected a number or field after '>=', found 'null' at 1:6"],
    ['x startsWith 5', "expected a string or field after 'startsWith', found 5 at 1:14"],
    ['x endsWith true', "expected a string or field after 'endsWith', found 'true' at 1:12"],
    ['x matches y', "expected a string (a regular expression) after 'matches', found 'y' at 1:11"],
    ['x in 5', "expected '[' after 'in', found 5 at 1:6"],
    ['x in [1,', "expected a literal value after ',', found end of input at 1:9"],
    ['x in [y]', "expected a literal value after '[', found 'y' at 1:7"],
    ['x in [1 2]', "expected ',' or ']' in the list, found 2 at 1:9"],
    ['x == 1.5', "invalid number '1.5' (only integers are supported) at 1:6"],
    ['x == 10ms', "invalid number '10ms' (only integers are supported) at 1:6"],
    ['x == "abc', 'unterminated string at 1:6'],
    ['x == "a\nb"', 'unterminated string at 1:6'],
    [
      'x == "\\q"',
      "unknown escape '\\q' in string (write '\\\\' for a backslash, e.g. \"\\\\.\" in a regular expression) at 1:7",
    ],
    ['x == "\\u12"', "expected 4 hex digits after '\\u' in string at 1:7"],
    ['process. == 1', "expected a field name after '.' at 1:9"],
    ['kind = 1', "unexpected character '=' (use '==' to compare) at 1:6"],
    ['a && b', "unexpected character '&' (use 'and' instead of '&&') at 1:3"],
    ['a || b', "unexpected character '|' (use 'or' instead of '||') at 1:3"],
    ['!a', "unexpected character '!' (use 'not' instead of '!') at 1:1"],
    ["kind == 'x'", "unexpected character ''' (strings are written in double quotes) at 1:9"],
    ['a == 1 # note', "unexpected character '#' at 1:8"],
    ['a == 1 and\n  b ==\n', "expected a value after '==', found end of input at 3:1"],
  ];
  for (const [source, message] of cases) {
    it(`rejects ${JSON.stringify(source)}`, () => {
      const err = parseError(source);
      assert.equal(err.message, message);
      assert.equal(err.code, 'FILTER_SYNTAX');
    });
  }

  it('reports the first error in reading order', () => {
    assert.equal(parseError('a == and #').message, "expected a value after '==', found 'and' at 1:6");
  });

  it('shifts positions by the origin in the file and names the file', () => {
    const err = parseError('kind ==', {
      file: 'pipeline.yaml',
      line: 12,
      column: 17,
    });
    assert.equal(err.message, "expected a value after '==', found end of input at pipeline.yaml:12:24");
    assert.equal(err.reason, "expected a value after '==', found end of input");
    assert.deepEqual([err.file, err.line, err.column], ['pipeline.yaml', 12, 24]);
  });

  it("keeps the origin's column on every line of a block scalar", () => {
    const err = parseError('kind == "a"\nand x <', {
      file: 'p.yaml',
      line: 4,
      column: 5,
    });
    assert.equal(err.message, "expected a number or field after '<', found end of input at p.yaml:5:12");
  });

  it('uses line:col when the origin has no file', () => {
    assert.equal(
      parseError('a ==', { line: 2, column: 3 }).message,
      "expected a value after '==', found end of input at 2:7",
    );
  });
});
