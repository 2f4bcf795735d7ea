// What each measured bench process prints as its last line (bench/pipeline/one-run.ts too).
export interface Figures {
  records: number;
  exported: number;
  dropped: number;
  wallMs: number;
  cpuMs: number;
  peakRssBytes: number;
}

/** What bench/otlp/split.ts prints. */
export interface ExporterSplit {
  parts: { part: string; 'CPU ns/event': number }[];
  requestBytesPerEvent: number;
}

/** Runs `work`, sampling RSS, and prints its figures as one JSON line. */
export async function measured(
  records: number,
  work: () => Promise<{ exported: number; dropped: number }>,
): Promise<void> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const startCpu = process.cpuUsage();
  const start = performance.now();
  const { exported, dropped } = await work();
  const wallMs = performance.now() - start;
  const cpu = process.cpuUsage(startCpu);
  clearInterval(sampler);
  const figures: Figures = {
    records,
    exported,
    dropped,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: Math.max(peakRss, process.memoryUsage().rss),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
