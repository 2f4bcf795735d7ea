// The ebpipe command line.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../config/units.js';
import { createLogger } from '../telemetry/logger.js';
import { observe, type ObserveOutput } from './observe.js';
import { record } from './record.js';
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

  program
    .command('record')
    .description('write raw kernel ring records to FILE (a capture for `ebpipe replay`) until SIGINT/SIGTERM, a duration or a record count')
    .argument('<file>', 'capture file to create (overwritten if it exists)')
    .option('--sensors <names>', 'comma-separated sensors to load', (v) => v.split(',').filter(Boolean), ['process'])
    .option('--duration <time>', 'stop after this long, e.g. 30s or 5m', (v) => {
      const ms = parseDuration(v);
      if (ms === undefined) throw new InvalidArgumentError('expected a duration such as "30s" or "5m".');
      return ms;
    })
    .option('--max-records <n>', 'stop after this many records', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number.');
      return n;
    })
    .action(async (file: string, opts: { sensors: string[]; duration?: number; maxRecords?: number }) => {
      const logger = createLogger();
      await record(file, {
        sensors: opts.sensors,
        ...(opts.duration === undefined ? {} : { durationMs: opts.duration }),
        ...(opts.maxRecords === undefined ? {} : { maxRecords: opts.maxRecords }),
        stop: shutdownSignal(),
        logger,
      }).catch(reportAndExit);
    });

  return program;
}

await buildProgram().parseAsync(process.argv);
