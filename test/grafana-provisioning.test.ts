// grafana/ is valid Grafana provisioning, checked as Grafana's provisioning and dashboard model read it
// (Grafana itself cannot be installed on these machines): the data source for the ClickHouse plugin in OTel
// mode over otel_logs, the dashboard provider pointing where docker-compose.yml mounts the dashboards, and
// dashboards whose panels and variables all name that data source, with unique ids and only variables that
// exist. What the panels' SQL returns is grafana-dashboards.test.ts's job.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { projectRoot } from '../src/common/paths.js';
import { DEFAULT_DATABASE, DEFAULT_LOGS_TABLE } from '../src/store/schema.js';
import { DASHBOARD_DIR, shippedDashboards, type Json } from '../src/testing/grafana-dashboards.js';

const grafana = join(projectRoot, 'grafana');
const DATASOURCE_UID = 'ebpipe-clickhouse';
const PLUGIN = 'grafana-clickhouse-datasource';
const PANEL_TYPES = new Set(['row', 'timeseries', 'table', 'bargauge', 'stat', 'piechart', 'logs']);

const object = (v: unknown, what: string): Json => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what}: expected an object`);
  return v as Json;
};
const array = (v: unknown, what: string): unknown[] => {
  assert.ok(Array.isArray(v), `${what}: expected an array`);
  return v;
};

const yamlFile = (path: string): Json => object(parse(readFileSync(join(grafana, path), 'utf8')), path);

/** The compose file's grafana service volumes, as "host:container[:mode]" strings. */
function grafanaVolumes(): string[] {
  const compose = object(parse(readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8')), 'docker-compose.yml');
  const service = object(object(compose['services'], 'services')['grafana'], 'services.grafana');
  return array(service['volumes'], 'services.grafana.volumes').map(String);
}

function mountOf(hostPath: string): string {
  const volume = grafanaVolumes().find((v) => v.startsWith(`${hostPath}:`));
  assert.ok(volume, `docker-compose.yml mounts ${hostPath} into grafana`);
  return volume.split(':')[1]!;
}

describe('the data source', () => {
  const file = yamlFile('provisioning/datasources/clickhouse.yaml');

  test('is the ClickHouse plugin, in OTel mode over ebpipe.otel_logs, its password kept secure', () => {
    assert.equal(file['apiVersion'], 1);
    const [ds, ...others] = array(file['datasources'], 'datasources').map((d, i) => object(d, `datasources[${i}]`));
    assert.equal(others.length, 0);
    assert.equal(ds!['uid'], DATASOURCE_UID);
    assert.equal(ds!['type'], PLUGIN);
    const json = object(ds!['jsonData'], 'jsonData');
    assert.deepEqual(
      [json['host'], json['port'], json['protocol'], json['defaultDatabase']],
      ['clickhouse', 8123, 'http', DEFAULT_DATABASE],
    );
    assert.deepEqual(object(json['logs'], 'jsonData.logs'), {
      defaultDatabase: DEFAULT_DATABASE,
      defaultTable: DEFAULT_LOGS_TABLE,
      otelEnabled: true,
      otelVersion: 'latest',
    });
    assert.equal(json['username'], '${CLICKHOUSE_USER}');
    assert.ok(!('password' in json), 'no password in jsonData (stored in clear)');
    assert.deepEqual(ds!['secureJsonData'], { password: '${CLICKHOUSE_PASSWORD}' });
  });

  test('is mounted where Grafana reads data sources', () => {
    assert.equal(mountOf('./grafana/provisioning/datasources'), '/etc/grafana/provisioning/datasources');
  });
});

describe('the dashboard provider', () => {
  const file = yamlFile('provisioning/dashboards/ebpipe.yaml');

  test('loads the files docker-compose.yml mounts, into a folder of their own', () => {
    assert.equal(file['apiVersion'], 1);
    const [provider, ...others] = array(file['providers'], 'providers').map((p, i) => object(p, `providers[${i}]`));
    assert.equal(others.length, 0);
    assert.equal(provider!['type'], 'file');
    assert.equal(provider!['folder'], 'ebpipe');
    assert.equal(object(provider!['options'], 'options')['path'], mountOf('./grafana/dashboards'));
    assert.equal(mountOf('./grafana/provisioning/dashboards'), '/etc/grafana/provisioning/dashboards');
  });
});

/** `$name` and `${name}` references of a query, Grafana's and the plugin's `$__` names aside. */
function variablesUsed(sql: string): string[] {
  return [...sql.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]!).filter((n) => !n.startsWith('__'));
}

function checkDatasource(value: unknown, what: string): void {
  assert.deepEqual(object(value, what), { type: PLUGIN, uid: DATASOURCE_UID }, `${what}: the provisioned data source`);
}

describe('the dashboards', () => {
  const dashboards = shippedDashboards();

  test('there are the six of the issue, with unique uids and titles', () => {
    assert.deepEqual(
      dashboards.map((d) => d.json['uid']),
      ['ebpipe-files', 'ebpipe-network', 'ebpipe-pipeline', 'ebpipe-policies', 'ebpipe-privilege', 'ebpipe-process'],
    );
    assert.equal(new Set(dashboards.map((d) => d.json['title'])).size, dashboards.length);
  });

  for (const { file, json } of dashboards) {
    test(`${file} follows Grafana's dashboard model`, () => {
      assert.equal(typeof json['schemaVersion'], 'number');
      assert.ok((json['schemaVersion'] as number) >= 36, 'a schema Grafana 12 migrates');
      assert.equal(json['id'], null, 'provisioned dashboards carry no database id');
      assert.ok(array(json['tags'], 'tags').includes('ebpipe'));
      const time = object(json['time'], 'time');
      assert.equal(typeof time['from'], 'string');
      const variables = array(object(json['templating'], 'templating')['list'], 'templating.list').map((v, i) =>
        object(v, `templating.list[${i}]`),
      );
      const names = variables.map((v) => String(v['name']));
      assert.equal(new Set(names).size, names.length, 'variable names are unique');
      for (const v of variables) {
        assert.ok(['query', 'textbox'].includes(String(v['type'])), `variable ${String(v['name'])}: query or textbox`);
        if (v['type'] !== 'query') continue;
        checkDatasource(v['datasource'], `variable ${String(v['name'])}`);
        const query = object(v['query'], `variable ${String(v['name'])}.query`);
        assert.equal(query['editorType'], 'sql');
        assert.match(String(query['rawSql']), /^SELECT /);
        for (const used of variablesUsed(String(query['rawSql']))) assert.ok(names.includes(used), used);
      }

      const panels = array(json['panels'], 'panels').map((p, i) => object(p, `panels[${i}]`));
      const ids = panels.map((p) => p['id']);
      assert.ok(ids.every((id) => Number.isInteger(id)) && new Set(ids).size === ids.length, 'panel ids are unique');
      const used = new Set<string>();
      for (const panel of panels) {
        const what = `panel ${String(panel['id'])} (${String(panel['title'])})`;
        assert.ok(PANEL_TYPES.has(String(panel['type'])), `${what}: type ${String(panel['type'])}`);
        const grid = object(panel['gridPos'], `${what}.gridPos`);
        const [x, w, h] = [grid['x'], grid['w'], grid['h']] as number[];
        assert.ok(x! >= 0 && w! > 0 && x! + w! <= 24 && h! > 0, `${what}: fits the 24-column grid`);
        if (panel['type'] === 'row') continue;
        assert.ok(String(panel['title']).length > 0 && String(panel['description']).length > 0, `${what}: described`);
        checkDatasource(panel['datasource'], what);
        const targets = array(panel['targets'], `${what}.targets`).map((t, i) => object(t, `${what}.targets[${i}]`));
        assert.ok(targets.length > 0, `${what}: has a query`);
        assert.equal(new Set(targets.map((t) => t['refId'])).size, targets.length, `${what}: unique refIds`);
        for (const t of targets) {
          checkDatasource(t['datasource'], `${what} target ${String(t['refId'])}`);
          assert.equal(t['editorType'], 'sql');
          assert.equal(t['format'], panel['type'] === 'timeseries' ? 0 : 1, `${what}: time series or table format`);
          assert.match(String(t['rawSql']), /^(SELECT|WITH) /);
          for (const name of variablesUsed(String(t['rawSql']))) {
            assert.ok(names.includes(name), `${what}: $${name} is a variable of the dashboard`);
            used.add(name);
          }
        }
      }
      for (const name of names) assert.ok(used.has(name), `variable ${name} is used by a panel`);
    });
  }

  test('links between dashboards name dashboards that exist', () => {
    const uids = new Set(dashboards.map((d) => String(d.json['uid'])));
    for (const { file } of dashboards) {
      const text = readFileSync(join(DASHBOARD_DIR, file), 'utf8');
      for (const m of text.matchAll(/"\/d\/([\w-]+)\//g)) assert.ok(uids.has(m[1]!), `${file}: link to /d/${m[1]}`);
    }
  });

  test("Grafana's home dashboard in docker-compose.yml is one of them", () => {
    const compose = readFileSync(join(projectRoot, 'docker-compose.yml'), 'utf8');
    const home = /GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: (\S+)/.exec(compose)?.[1] ?? '';
    assert.ok(home.startsWith(`${mountOf('./grafana/dashboards')}/`), home);
    assert.ok(existsSync(join(DASHBOARD_DIR, home.split('/').pop()!)));
  });
});
