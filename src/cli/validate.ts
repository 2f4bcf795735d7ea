// `ebpipe validate FILE...`: checks pipeline files without running them. Prints `FILE: ok`
// (and any warnings) on stdout, every error as `file:line:col: key.path: message` on stderr.
import type { Command } from 'commander';
import { componentRegistry } from '../components/registry.js';
import { ConfigError, formatIssue } from '../config/config-error.js';
import { loadPipelineConfig } from '../config/pipeline-config.js';
import type { ComponentRegistry } from '../pipeline/component.js';

export interface ValidateIo {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** Validates each file, reporting as it goes; returns the exit code: 0 when every file is valid, else 1. */
export function validateFiles(
  files: readonly string[],
  registry: ComponentRegistry,
  io: ValidateIo,
  env: NodeJS.ProcessEnv = process.env,
): number {
  let invalid = 0;
  for (const file of files) {
    try {
      const config = loadPipelineConfig(file, registry, env);
      const warnings = config.warnings.length;
      io.out.write(
        warnings === 0 ? `${file}: ok\n` : `${file}: ok (${warnings === 1 ? '1 warning' : `${warnings} warnings`})\n`,
      );
      for (const w of config.warnings) io.out.write(`${formatIssue({ ...w, message: `warning: ${w.message}` })}\n`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      invalid++;
      for (const e of err.errors) io.err.write(`${formatIssue(e)}\n`);
    }
  }
  return invalid === 0 ? 0 : 1;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check pipeline files (YAML) without running them: syntax, component settings, references and cycles')
    .argument('<files...>', 'pipeline files to check')
    .addHelpText(
      'after',
      [
        '',
        'Prints "FILE: ok" for a valid file (with any warnings, such as unused components), and',
        'each error as "file:line:col: key.path: message". ${env:NAME} references are expanded',
        'from this environment.',
        '',
        'Exit codes: 0 every file is valid, 1 at least one file is invalid, 2 usage error.',
      ].join('\n'),
    )
    .action((files: string[]) => {
      process.exitCode = validateFiles(files, componentRegistry, { out: process.stdout, err: process.stderr });
    });
}
