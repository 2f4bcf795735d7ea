// One measured replay of a capture through a pipeline file, in this process: prints a JSON
// line with events, wall and CPU time, and peak RSS. Usage: one-run PIPELINE CAPTURE [RATE]
// (RATE: records per second, as `ebpipe replay --rate`; 0 or absent: as fast as the pipeline takes them)
import { Agent } from '../../src/agent/agent.js';
import { REPLAY_ID, withReplay } from '../../src/cli/run.js';
import { componentRegistry } from '../../src/components/registry.js';
import { loadPipelineConfig } from '../../src/config/pipeline-config.js';
import { ReplayReceiver, replayReceiver } from '../../src/receivers/replay/replay-receiver.js';
import { CounterRegistry } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';

const [pipeline, capture, rate = '0'] = process.argv.slice(2);
if (!pipeline || !capture) throw new Error('usage: one-run PIPELINE CAPTURE');
const logger = createLogger('bench');
const counters = new CounterRegistry();
const config = withReplay(loadPipelineConfig(pipeline, componentRegistry));
const receiver = new ReplayReceiver(replayReceiver.settings.parse({ path: capture, rate: Number(rate) }), {
  id: REPLAY_ID,
  logger,
  counters,
  origin: () => ({ file: capture, line: 0, column: 0 }),
  baseDir: process.cwd(),
});
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
const startCpu = process.cpuUsage();
const start = performance.now();
const agent = await Agent.start(config, logger, { counters, extraReceivers: new Map([[REPLAY_ID, receiver]]) });
const stats = await receiver.finished;
await agent.stop();
const wallMs = performance.now() - start;
const cpu = process.cpuUsage(startCpu);
clearInterval(sampler);
process.stdout.write(
  `${JSON.stringify({
    records: stats.records,
    exported: counters.total('exporter_sent_events_total'),
    dropped: counters.total('exporter_dropped_events_total'),
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: Math.max(peakRss, process.memoryUsage().rss),
  })}\n`,
);
