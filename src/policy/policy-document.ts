// A policy file read and checked against the supported TracingPolicy subset, still knowing
// where everything was written, so that later checks (policy-plan.ts) can name file:line:col
// and the key path too.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EbpipeError } from '../common/errors.js';
import { issuesMessage, type ConfigIssue, type ConfigPath } from '../config/config-error.js';
import { documentValues } from '../config/document-values.js';
import { SourceDocument, type Anchor } from '../config/source-document.js';
import { validateValue } from '../config/validate-value.js';
import { tracingPolicySchema, type TracingPolicy } from './tracing-policy-schema.js';

/** Every problem of one policy file; nothing of it was applied. */
export class PolicyFileError extends EbpipeError {
  override readonly name = 'PolicyFileError';

  constructor(
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super('POLICY_INVALID', 'configuring', issuesMessage('policy', file, issues));
  }
}

export interface PolicyDocument {
  file: string;
  /** sha256 of the file's bytes, hex: audit events and `policy list` name the version. */
  sha256: string;
  policy: TracingPolicy;
  /** An issue about the value (or the key) at `path`, positioned in the file. */
  issue(path: ConfigPath, anchor: Anchor, message: string): ConfigIssue;
}

export function readPolicyFile(file: string): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new PolicyFileError(file, [{ file, line: 0, column: 0, path: '', message: `reading the file: ${reason}` }]);
  }
  return parsePolicy(text, file);
}

/** `file` names the text in errors and events; it need not exist (a policy sent over the control socket). */
export function parsePolicy(text: string, file: string): PolicyDocument {
  const doc = new SourceDocument(file, text);
  if (doc.syntaxIssues.length > 0) throw new PolicyFileError(file, doc.syntaxIssues);
  // Policies are taken as written: no ${env:...} expansion (an env reference is an error).
  const values = documentValues(doc, {});
  if (values.issues.length > 0) throw new PolicyFileError(file, values.issues);
  if (values.root === null || values.root === undefined) {
    throw new PolicyFileError(file, [
      { file, line: 1, column: 1, path: '', message: 'the file is empty: expected a TracingPolicy' },
    ]);
  }
  const checked = validateValue(tracingPolicySchema, values.root, [], values.envTyped);
  if (!checked.ok)
    throw new PolicyFileError(
      file,
      checked.problems.map((p) => doc.issueFor(p)),
    );
  return {
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    policy: checked.data,
    issue: (path, anchor, message) => doc.issue(path, anchor, message),
  };
}
