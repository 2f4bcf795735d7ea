// The shape of a pipeline file around the components: its top-level keys, `service.pipelines`
// and `service.telemetry`. Component settings are validated by each component's own schema.
import { z } from 'zod';
import { expectations, show } from '../common/expectations.js';

export const SECTIONS = ['receivers', 'processors', 'exporters', 'connectors'] as const;
export type Section = (typeof SECTIONS)[number];

/** Only the names: each section's contents are checked component by component. */
export const topLevelSchema = z
  .object({
    receivers: z.unknown().optional(),
    processors: z.unknown().optional(),
    exporters: z.unknown().optional(),
    connectors: z.unknown().optional(),
    // Required: zod reports a missing key here; what is under it is checked by serviceSchema.
    service: z.unknown().refine((v) => v !== undefined),
  })
  .strict();

/** `id: settings`; an empty section (`processors:` with nothing under it) is allowed. */
export const sectionSchema = z.record(z.string(), z.unknown()).nullish();

const idList = z.array(z.string());

export const pipelineSchema = z
  .object({
    receivers: idList.min(1, 'a pipeline needs at least one receiver'),
    /** Run in the order given. */
    processors: idList.nullish(),
    /** Exporter and connector ids. */
    exporters: idList.min(1, 'a pipeline needs at least one exporter'),
  })
  .strict();

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]*):(\d{1,5})$/;

const listenAddress = z.string().superRefine((value, ctx) => {
  const port = HOST_PORT.exec(value)?.[1];
  if (port === undefined || Number(port) > 65535) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a listen address "host:port" such as "127.0.0.1:9464", got ${show(value)}`,
    });
  }
});
expectations.add(listenAddress, { expected: 'a listen address "host:port" such as "127.0.0.1:9464"' });

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const telemetrySchema = z
  .object({
    /** The agent's own log. */
    logs: z
      .object({ level: z.enum(LOG_LEVELS).default('info') })
      .strict()
      .prefault({}),
    /** A Prometheus endpoint serving the agent's counters; none when left out. */
    metrics: z.object({ address: listenAddress }).strict().optional(),
    /**
     * Resource attributes added to every record the exporters send (deployment.environment.name,
     * cloud.region, ...), over ebpipe's own (service.*, host.*, os.*); null removes one of those.
     */
    resource: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  })
  .strict()
  .prefault({});

export const serviceSchema = z
  .object({
    pipelines: z.record(z.string(), pipelineSchema),
    telemetry: telemetrySchema,
  })
  .strict();

export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
