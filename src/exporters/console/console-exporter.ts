// `console`: events on stdout, one compact line each (the live view) or one JSON object
// per line. A slow terminal or pipe holds the batch, so backpressure reaches the receiver.
import { z } from 'zod';
import type { Event } from '../../events/model.js';
import { toJsonLine } from '../../events/json.js';
import type { Exporter, ExporterFactory } from '../../pipeline/component.js';
import { formatCompact } from './compact.js';
import { exporterHelperSettings } from '../../pipeline/exporter-settings.js';

const settings = exporterHelperSettings()
  .extend({
    /** compact: one line per event with an emoji per kind; json: one JSON object per line. */
    format: z.enum(['compact', 'json']).default('compact'),
    /** Event kinds to show; by default every kind that has a compact form. */
    kinds: z.array(z.string()).optional(),
  })
  .strict();

type ConsoleSettings = z.output<typeof settings>;

export class ConsoleExporter implements Exporter {
  private readonly render: (e: Event) => string | null;
  private readonly kinds: ReadonlySet<string> | undefined;

  constructor(
    s: ConsoleSettings,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {
    this.render = s.format === 'json' ? toJsonLine : formatCompact;
    this.kinds = s.kinds ? new Set(s.kinds) : undefined;
  }

  export(events: readonly Event[]): Promise<void> {
    let text = '';
    for (const e of events) {
      if (this.kinds && !this.kinds.has(e.kind)) continue;
      const line = this.render(e);
      if (line !== null) text += `${line}\n`;
    }
    if (text === '') return Promise.resolve();
    return new Promise((resolve, reject) => this.out.write(text, (err) => (err ? reject(err) : resolve())));
  }

  async shutdown(): Promise<void> {}
}

export const consoleExporter: ExporterFactory<typeof settings> = {
  kind: 'exporter',
  type: 'console',
  description: 'prints events on stdout: compact lines (the live view) or JSON lines',
  settings,
  create: (s) => new ConsoleExporter(s),
};
