// `ebpipe run` and `ebpipe replay`: start the agent on a pipeline file and stop it cleanly.
import { join } from 'node:path';
import { Agent } from '../agent/agent.js';
import { componentRegistry } from '../components/registry.js';
import { loadPipelineConfig, type PipelineConfig } from '../config/pipeline-config.js';
import { projectRoot } from '../common/paths.js';
import { ReplayReceiver, replayReceiver } from '../receivers/replay/replay-receiver.js';
import { CounterRegistry } from '../telemetry/counters.js';
import type { Logger } from '../telemetry/logger.js';
import { EbpipeError } from '../common/errors.js';

export const DEFAULT_PIPELINE = join(projectRoot, 'pipelines', 'default.yaml');

export class RunError extends EbpipeError {
  override readonly name = 'RunError';
  constructor(message: string) {
    super('RUN_FAILED', 'configuring', message);
  }
}

function loadConfig(file: string, logger: Logger): PipelineConfig {
  const config = loadPipelineConfig(file, componentRegistry);
  for (const w of config.warnings) logger.warn({ file: w.file, line: w.line, path: w.path }, w.message);
  logger.level = config.telemetry.logs.level;
  return config;
}

/** Runs until `stop` resolves (SIGINT/SIGTERM), then flushes every exporter. */
export async function run(file: string, logger: Logger, stop: Promise<void>): Promise<void> {
  const agent = await Agent.start(loadConfig(file, logger), logger);
  logger.info({ pipeline: file }, 'agent running');
  await stop;
  logger.info('stopping: flushing exporters');
  await agent.stop();
}

export const REPLAY_ID = 'replay';

/**
 * The pipeline file with its ebpf receivers swapped for the receiver `REPLAY_ID`: the same
 * processors and exporters see recorded events as they would have seen the live ones.
 */
export function withReplay(config: PipelineConfig): PipelineConfig {
  const kernel = new Set([...config.receivers].filter(([, c]) => c.type === 'ebpf').map(([id]) => id));
  if (kernel.size === 0) throw new RunError(`${config.file}: no ebpf receiver to replay into`);
  const pipelines = new Map(
    [...config.pipelines].map(([id, p]) => [
      id,
      p.receivers.some((r) => kernel.has(r))
        ? { ...p, receivers: [...new Set(p.receivers.map((r) => (kernel.has(r) ? REPLAY_ID : r)))] }
        : p,
    ]),
  );
  const receivers = new Map([...config.receivers].filter(([id]) => !kernel.has(id)));
  return { ...config, receivers, pipelines };
}

/** Replays a capture through a pipeline file, waits until every event is settled, then stops. */
export async function replay(
  capture: string,
  options: { config: string; rate: number },
  logger: Logger,
  stop: Promise<void>,
): Promise<void> {
  const config = withReplay(loadConfig(options.config, logger));
  const counters = new CounterRegistry();
  const receiver = new ReplayReceiver(replayReceiver.settings.parse({ path: capture, rate: options.rate }), {
    id: REPLAY_ID,
    logger: logger.child({ component: REPLAY_ID }),
    counters,
    origin: () => ({ file: '<command line>', line: 0, column: 0 }),
    baseDir: process.cwd(),
  });
  const agent = await Agent.start(config, logger, { counters, extraReceivers: new Map([[REPLAY_ID, receiver]]) });
  const stats = await Promise.race([receiver.finished, stop.then(() => undefined)]);
  await agent.stop();
  if (stats?.error) throw stats.error;
  const final = stats ?? receiver.stats;
  logger.info(
    { records: final.records, exportedEvents: final.exportedEvents, droppedEvents: final.droppedEvents },
    'replay finished',
  );
}
