// What Grafana with the grafana-clickhouse-datasource plugin (4.20.0) makes of a panel's rawSql before
// ClickHouse runs it, for tests that run the shipped dashboards' queries on the engine. Ported from the
// plugin's source, step by step:
//   1. the browser (src/data/CHDatasource.ts, applyTemplateVariables): `$__conditionalAll(cond, $var)`
//      becomes `1=1` when $var is All or empty, else `cond`; then Grafana's templateSrv.replace with the
//      plugin's format: a multi-value variable becomes 'a','b' (quoted, not escaped), a single value goes in
//      as it is;
//   2. the backend (pkg/macros/macros.go over grafana/macropro): `$__name` and `$__name(args)` replaced,
//      longest name first, arguments split at top-level commas outside quotes.
// Only what the dashboards may use is modelled; anything else (comments, variable formats, Grafana's built-in
// variables, other macros) is refused rather than guessed, so a dashboard that needs more fails its test.

/** A variable's current value; ALL is the "All" option of a variable with includeAll. */
export type VariableValue = string | readonly string[];
export const ALL = '$__all';

export interface QueryContext {
  /** The dashboard's time range, ms since the Unix epoch. */
  fromMs: number;
  toMs: number;
  /** The query interval Grafana computed for the panel, ms. */
  intervalMs: number;
  variables: Readonly<Record<string, VariableValue>>;
}

export class GrafanaQueryError extends Error {}

// Grafana's built-in variables: replaced by Grafana itself, not modelled here.
const BUILT_INS = new Set([
  '__from',
  '__to',
  '__interval',
  '__interval_ms',
  '__rate_interval',
  '__rate_interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__timezone',
  '__dashboard',
  '__org',
  '__user',
  '__name',
  '__url_time_range',
  '__all_variables',
]);

function isAll(value: VariableValue): boolean {
  return typeof value === 'string' ? value === ALL : value.length === 1 && value[0] === ALL;
}

/** CHDatasource.getMacroArgs: the arguments of the call whose '(' is at `open`, split at commas of depth 1. */
function macroArgs(query: string, open: number): string[] {
  const args: string[] = [];
  const text = query.slice(open);
  const re = /\(|\)|,/g;
  let depth = 0;
  let start = 1;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(text.slice(start, re.lastIndex - 1));
      start = re.lastIndex;
    }
    if (depth === 0) {
      args.push(text.slice(start, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

/** CHDatasource.applyConditionalAll, innermost (last) call first, as the plugin does. */
function applyConditionalAll(sql: string, variables: QueryContext['variables']): string {
  const macro = '$__conditionalAll(';
  for (let at = sql.lastIndexOf(macro); at !== -1; at = sql.lastIndexOf(macro)) {
    const params = macroArgs(sql, at + macro.length - 1);
    if (params.length !== 2) throw new GrafanaQueryError(`$__conditionalAll at ${at}: expected 2 arguments`);
    const [condition, variable] = params as [string, string];
    const name = /(?<=\$\{)\w+(?=\})|(?<=\$)\w+/.exec(variable.trim())?.[0];
    const value = name === undefined ? undefined : variables[name];
    if (value === undefined)
      throw new GrafanaQueryError(`$__conditionalAll(..., ${variable.trim()}): no such variable`);
    const phrase = value === '' || isAll(value) ? '1=1' : condition;
    // A string pattern and a string replacement, as the plugin does (so `$&` in a condition would misbehave there too).
    sql = sql.replace(`${macro}${condition},${variable})`, phrase);
  }
  return sql;
}

// templateSrv's variable syntaxes: $name, [[name]] / [[name:format]], ${name} / ${name.field} / ${name:format}.
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

/** templateSrv.replace with CHDatasource.format. */
function replaceVariables(sql: string, variables: QueryContext['variables']): string {
  return sql.replace(
    VARIABLE,
    (match, plain?: string, bracket?: string, bracketFormat?: string, ...rest: unknown[]) => {
      const [braced, field, format] = rest as [string | undefined, string | undefined, string | undefined];
      const name = plain ?? bracket ?? braced ?? '';
      if (BUILT_INS.has(name)) throw new GrafanaQueryError(`${match}: Grafana's built-in variables are not modelled`);
      const value = variables[name];
      if (value === undefined) return match;
      if (bracketFormat !== undefined || field !== undefined || format !== undefined) {
        throw new GrafanaQueryError(`${match}: variable formats and fields are not modelled`);
      }
      if (isAll(value)) throw new GrafanaQueryError(`${match} is All outside $__conditionalAll: not modelled`);
      return typeof value === 'string' ? value : `'${value.join("','")}'`;
    },
  );
}

/** Index just past the quoted literal that starts at `at` ('' doubling, as macropro's scanStringLiteral). */
function pastLiteral(s: string, at: number): number {
  const quote = s[at];
  let i = at + 1;
  while (i < s.length) {
    if (s[i] === quote) {
      if (s[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}

/** macropro's findClosingParen: the ')' closing the '(' at `open`, quotes respected; -1 when unbalanced. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length;) {
    const c = s[i];
    if (c === "'" || c === '"') {
      i = pastLiteral(s, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
    i++;
  }
  return -1;
}

/** macropro's parseArgs: top-level commas outside quotes split, each argument trimmed. */
function splitArgs(raw: string): string[] {
  const text = raw.trim();
  if (text === '') return [];
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === "'" || c === '"') {
      i = pastLiteral(text, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  args.push(text.slice(start).trim());
  return args;
}

type Macro = (ctx: QueryContext, args: readonly string[]) => string;

const dateTime = (ms: number): string => `toDateTime(${Math.floor(ms / 1000)})`;
const dateTime64 = (ms: number): string => `fromUnixTimestamp64Milli(${Math.trunc(ms)})`;

function oneArg(name: string, args: readonly string[]): string {
  if (args.length !== 1) throw new GrafanaQueryError(`$__${name} expected 1 argument(s), received ${args.length}`);
  return args[0]!;
}

/** pkg/macros ClickHouseMacros, the ones ebpipe's dashboards may use. */
const MACROS: Readonly<Record<string, Macro>> = {
  fromTime: (ctx) => dateTime(ctx.fromMs),
  toTime: (ctx) => dateTime(ctx.toMs),
  fromTime_ms: (ctx) => dateTime64(ctx.fromMs),
  toTime_ms: (ctx) => dateTime64(ctx.toMs),
  timeFilter: (ctx, args) => {
    const col = oneArg('timeFilter', args);
    return `${col} >= ${dateTime(ctx.fromMs)} AND ${col} <= ${dateTime(ctx.toMs)}`;
  },
  timeFilter_ms: (ctx, args) => {
    const col = oneArg('timeFilter_ms', args);
    return `${col} >= ${dateTime64(ctx.fromMs)} AND ${col} <= ${dateTime64(ctx.toMs)}`;
  },
  timeInterval: (ctx, args) =>
    `toStartOfInterval(toDateTime(${oneArg('timeInterval', args)}), INTERVAL ${Math.trunc(Math.max(ctx.intervalMs / 1000, 1))} second)`,
  timeInterval_ms: (ctx, args) =>
    `toStartOfInterval(toDateTime64(${oneArg('timeInterval_ms', args)}, 3), INTERVAL ${Math.trunc(Math.max(ctx.intervalMs, 1))} millisecond)`,
  interval_s: (ctx) => String(Math.trunc(Math.max(ctx.intervalMs / 1000, 1))),
};

const NAMES = Object.keys(MACROS).sort((a, b) => b.length - a.length || a.localeCompare(b));

/** macropro.Interpolate: every `$__name` (not the prefix of a longer name) with its optional argument list. */
function expandMacros(sql: string, ctx: QueryContext): string {
  for (const name of NAMES) {
    const token = `$__${name}`;
    let out = '';
    let rest = sql;
    for (let at = rest.indexOf(token); at !== -1; at = rest.indexOf(token)) {
      const after = at + token.length;
      if (/\w/.test(rest[after] ?? '')) {
        out += rest.slice(0, after);
        rest = rest.slice(after);
        continue;
      }
      out += rest.slice(0, at);
      rest = rest.slice(after);
      let raw = '';
      if (rest.startsWith('(')) {
        const end = closingParen(rest, 0);
        if (end !== -1) {
          raw = rest.slice(1, end);
          rest = rest.slice(end + 1);
        }
      }
      out += MACROS[name]!(ctx, splitArgs(raw));
    }
    sql = out + rest;
  }
  return sql;
}

/** The SQL text outside string literals and backquoted names, for the checks below. */
function codeOutsideLiterals(sql: string): string {
  let code = '';
  for (let i = 0; i < sql.length;) {
    const c = sql[i]!;
    if (c === "'" || c === '`') {
      // ClickHouse strings take backslash escapes as well as doubled quotes.
      let j = i + 1;
      while (j < sql.length && sql[j] !== c) j += sql[j] === '\\' ? 2 : 1;
      code += ' ';
      i = j + 1;
    } else {
      code += c;
      i++;
    }
  }
  return code;
}

/** The SQL the ClickHouse server receives for `rawSql` in this dashboard state. */
export function interpolateQuery(rawSql: string, ctx: QueryContext): string {
  const code = codeOutsideLiterals(rawSql);
  if (/--|\/\*/.test(code)) throw new GrafanaQueryError('comments in panel SQL are not modelled: use descriptions');
  const sql = expandMacros(replaceVariables(applyConditionalAll(rawSql, ctx.variables), ctx.variables), ctx);
  const left = /\$\w+|\$\{[^}]*\}|\[\[[^\]]*\]\]/.exec(codeOutsideLiterals(sql));
  if (left) throw new GrafanaQueryError(`${left[0]}: neither a variable of the dashboard nor a macro of the plugin`);
  return sql;
}
