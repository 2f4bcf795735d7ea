// The one error a pipeline file produces: every problem found in it, each with its position
// and key path, so a user fixes the whole file in one pass instead of one error per run.

/** A key path into the document: mapping keys and sequence indexes. */
export type ConfigPath = readonly (string | number)[];

/** One problem (or warning) in a pipeline file. `line`/`column` are 1-based; 0 when the file has no position to give. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  /** Dotted key path, e.g. `exporters.file/audit.rotation.max_bytes`, `service.pipelines.logs.receivers[1]`. */
  path: string;
  message: string;
}

// Keys that would make a dotted path ambiguous are bracketed and quoted.
const PLAIN_KEY = /^[^\s.[\]"]+$/;

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:col: key.path: message`, leaving out the parts an issue does not have. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';

  constructor(
    readonly file: string,
    readonly errors: readonly ConfigIssue[],
  ) {
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    super(`invalid pipeline config ${file} (${count}):\n${errors.map((e) => `  ${formatIssue(e)}`).join('\n')}`);
  }
}
