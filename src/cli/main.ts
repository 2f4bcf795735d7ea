// The ebpipe command line.
import { Command, Option } from 'commander';
import { createLogger } from '../telemetry/logger.js';
import { observe, type ObserveOutput } from './observe.js';
import { registerValidateCommand } from './validate.js';

/** Exit codes, documented in README.md. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

/** Resolves on the first SIGINT or SIGTERM. */
function shutdownSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function reportAndExit(err: unknown): never {
  const e = err as Error & { code?: string };
  process.stderr.write(`ebpipe: ${e.message}\n`);
  process.exit(ExitCode.FAILURE);
}

export function buildProgram(): Command {
  const program = new Command('ebpipe')
    .description('eBPF security observability: process, file and network events from the kernel, shipped anywhere')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE));

  program
    .command('observe')
    .description('print process events from this host live, one line each (needs root or CAP_BPF+CAP_PERFMON)')
    .addOption(new Option('-o, --output <format>', 'compact lines or one JSON object per line').choices(['compact', 'json']).default('compact'))
    .action(async (opts: { output: ObserveOutput }) => {
      const logger = createLogger();
      await observe({ output: opts.output, logger, out: process.stdout }, shutdownSignal()).catch(reportAndExit);
    });

  registerValidateCommand(program);

  return program;
}

await buildProgram().parseAsync(process.argv);
