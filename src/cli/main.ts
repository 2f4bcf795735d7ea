// The ebpipe command line.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../common/units.js';
import { createLogger } from '../telemetry/logger.js';
import { DEFAULT_STORE_PATH } from '../store/store-settings.js';
import { doctor } from './doctor.js';
import { observe, type ObserveOutput } from './observe.js';
import { query, QUERY_OUTPUTS, type QueryOutput } from './query.js';
import { DEFAULT_PIPELINE, replay, run } from './run.js';
import { record } from './record.js';
import { registerPolicyCommand } from './policy.js';
import { registerValidateCommand } from './validate.js';

/** Exit codes, documented in README.md. */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, INTERRUPTED: 130 } as const;

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once, without flushing. */
function shutdownSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(ExitCode.INTERRUPTED));
      process.once('SIGTERM', () => process.exit(ExitCode.INTERRUPTED));
      process.stderr.write(`ebpipe: ${signal}: stopping (again to exit at once)\n`);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
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
    .addOption(
      new Option('-o, --output <format>', 'compact lines or one JSON object per line')
        .choices(['compact', 'json'])
        .default('compact'),
    )
    .action(async (opts: { output: ObserveOutput }) => {
      const logger = createLogger();
      await observe({ output: opts.output, logger, out: process.stdout }, shutdownSignal()).catch(reportAndExit);
    });

  program
    .command('run')
    .description('run the agent on a pipeline file until SIGINT/SIGTERM, then flush every exporter')
    .option('-c, --config <file>', 'pipeline file', DEFAULT_PIPELINE)
    .action(async (opts: { config: string }) => {
      await run(opts.config, createLogger(), shutdownSignal()).catch(reportAndExit);
    });

  program
    .command('replay')
    .description('play a capture (`ebpipe record`) through a pipeline file in place of its ebpf receivers, then exit')
    .argument('<capture>', 'capture file')
    .option('-c, --config <file>', 'pipeline file', DEFAULT_PIPELINE)
    .option(
      '--rate <records/s>',
      'pace the replay (0: as fast as the pipeline takes it)',
      (v) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of records per second.');
        return n;
      },
      0,
    )
    .action(async (capture: string, opts: { config: string; rate: number }) => {
      await replay(capture, opts, createLogger(), shutdownSignal()).catch(reportAndExit);
    });

  program
    .command('query')
    .description('run SQL on the embedded ClickHouse store (through the running agent when it holds the store)')
    .argument('<sql>', 'the query, e.g. "SELECT EventName, count() FROM ebpipe.otel_logs GROUP BY EventName"')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(Object.keys(QUERY_OUTPUTS)).default('table'),
    )
    .option(
      '--store <path>',
      "store directory (default: $EBPIPE_STORE, else the default pipeline's)",
      process.env['EBPIPE_STORE'] ?? DEFAULT_STORE_PATH,
    )
    .action(async (sql: string, opts: { output: QueryOutput; store: string }) => {
      const text = await query(sql, opts).catch(reportAndExit);
      process.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    });

  program
    .command('doctor')
    .description('check what this host offers: privileges, BTF, LSMs, and which variant of each sensor attaches')
    .action(async () => {
      const logger = createLogger();
      logger.level = 'error';
      const ok = await doctor(process.stdout, logger).catch(reportAndExit);
      process.exitCode = ok ? ExitCode.OK : ExitCode.FAILURE;
    });

  registerValidateCommand(program);
  registerPolicyCommand(program, reportAndExit);

  program
    .command('record')
    .description(
      'write raw kernel ring records to FILE (a capture for `ebpipe replay`) until SIGINT/SIGTERM, a duration or a record count',
    )
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
