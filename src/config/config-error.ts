// The one error a pipeline file produces: every problem found in it, each with its position
// and key path, so a user fixes the whole file in one pass instead of one error per run.
import { EbpipeError } from '../common/errors.js';

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

/** `invalid <what> FILE (N errors):` and the issues, one per line: the message of a file's errors. */
export function issuesMessage(what: string, file: string, issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
  return `invalid ${what} ${file} (${count}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`;
}

export class ConfigError extends EbpipeError {
  override readonly name = 'ConfigError';

  constructor(
    readonly file: string,
    readonly errors: readonly ConfigIssue[],
  ) {
    super('CONFIG_INVALID', 'configuring', issuesMessage('pipeline config', file, errors));
  }
}
