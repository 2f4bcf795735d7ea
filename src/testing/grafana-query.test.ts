// The expansions expected here are the plugin's own test vectors (grafana/clickhouse-datasource 4.20.0:
// pkg/macros/macros_test.go and src/data/CHDatasource.test.ts), so the model cannot drift from the plugin
// without this test saying so.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL, GrafanaQueryError, interpolateQuery, type QueryContext } from './grafana-query.js';

// 2014-11-12T11:45:26.123Z .. 2015-11-12T11:45:26.456Z, the plugin's TestInterpolate range.
const ctx: QueryContext = {
  fromMs: 1_415_792_726_123,
  toMs: 1_447_328_726_456,
  intervalMs: 60_000,
  variables: {},
};

describe('backend macros, as pkg/macros expands them', () => {
  const vectors: [string, string][] = [
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp) )',
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
    ],
    [
      'select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100',
      'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100',
    ],
    [
      'select * from foo where ( date >= $__fromTime_ms and date <= $__toTime_ms ) limit 100',
      'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) and date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
    ],
    [
      'SELECT $__timeInterval($__fromTime) AS from_time',
      'SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60 second) AS from_time',
    ],
    [
      'SELECT $__timeInterval_ms($__fromTime_ms)',
      'SELECT toStartOfInterval(toDateTime64(fromUnixTimestamp64Milli(1415792726123), 3), INTERVAL 60000 millisecond)',
    ],
    [
      'select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))',
      'select * from foo where coalesce(closed_at, toDateTime(1447328726)) >= toDateTime(1415792726) AND coalesce(closed_at, toDateTime(1447328726)) <= toDateTime(1447328726)',
    ],
    ['SELECT count() / $__interval_s', 'SELECT count() / 60'],
  ];
  for (const [input, output] of vectors) {
    test(input, () => assert.equal(interpolateQuery(input, ctx), output));
  }

  test('an interval under a second counts as one second', () => {
    assert.equal(interpolateQuery('SELECT $__interval_s', { ...ctx, intervalMs: 200 }), 'SELECT 1');
  });

  test('a macro with the wrong number of arguments is an error, as in the plugin', () => {
    assert.throws(() => interpolateQuery('SELECT 1 WHERE $__timeFilter(a, b)', ctx), GrafanaQueryError);
  });
});

describe('template variables, as the plugin applies them in the browser', () => {
  const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';

  test('$__conditionalAll is 1=1 when All is selected', () => {
    assert.equal(
      interpolateQuery(sql, { ...ctx, variables: { fieldVal: [ALL] } }),
      'select stuff from table where 1=1;',
    );
  });

  test('otherwise its condition stays, with the values quoted and joined by the plugin format', () => {
    assert.equal(
      interpolateQuery(sql, { ...ctx, variables: { fieldVal: ['val1', 'val2'] } }),
      "select stuff from table where fieldVal in ('val1','val2');",
    );
  });

  test('each $__conditionalAll is decided by its own variable', () => {
    const two = 'select 1 where $__conditionalAll(a in ($a), $a) and $__conditionalAll(b in ($b), $b);';
    assert.equal(
      interpolateQuery(two, { ...ctx, variables: { a: ['x'], b: [ALL] } }),
      "select 1 where a in ('x') and 1=1;",
    );
  });

  test('an empty text box is 1=1; a single value goes in unquoted', () => {
    const text = "select 1 where $__conditionalAll(id = '${id}', $id)";
    assert.equal(interpolateQuery(text, { ...ctx, variables: { id: '' } }), 'select 1 where 1=1');
    assert.equal(interpolateQuery(text, { ...ctx, variables: { id: 'abc' } }), "select 1 where id = 'abc'");
  });

  test('what is not modelled is refused, not guessed', () => {
    const refused = [
      'select $__from',
      'select ${a:csv}',
      'select $a',
      'select 1 -- a comment',
      'select $unknown',
      'select $__columns(x)',
    ];
    for (const text of refused) {
      assert.throws(() => interpolateQuery(text, { ...ctx, variables: { a: [ALL] } }), GrafanaQueryError, text);
    }
  });

  test('dollars and dashes inside string literals are left alone', () => {
    const text = "select match(p, '\\\\.ko$') and x = '--force'";
    assert.equal(interpolateQuery(text, ctx), text);
  });
});
