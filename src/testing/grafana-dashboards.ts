// The dashboards the repository ships (grafana/dashboards/*.json), for the tests that check their model and
// run their queries.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/paths.js';

export const DASHBOARD_DIR = join(projectRoot, 'grafana', 'dashboards');

export type Json = Record<string, unknown>;

export interface ShippedDashboard {
  file: string;
  json: Json;
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  rawSql: string;
}

export interface VariableQuery {
  dashboard: string;
  variable: string;
  rawSql: string;
}

export function shippedDashboards(): ShippedDashboard[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as Json }));
}

/** Every query target of every panel, named `uid` and panel title. */
export function panelQueries(): PanelQuery[] {
  return shippedDashboards().flatMap(({ json }) =>
    (json['panels'] as Json[]).flatMap((p) =>
      ((p['targets'] as Json[] | undefined) ?? []).map((t) => ({
        dashboard: String(json['uid']),
        panel: String(p['title']),
        rawSql: String(t['rawSql']),
      })),
    ),
  );
}

/** Every query variable's SQL. */
export function variableQueries(): VariableQuery[] {
  return shippedDashboards().flatMap(({ json }) =>
    ((json['templating'] as Json)['list'] as Json[])
      .filter((v) => v['type'] === 'query')
      .map((v) => ({
        dashboard: String(json['uid']),
        variable: String(v['name']),
        rawSql: String((v['query'] as Json)['rawSql']),
      })),
  );
}
