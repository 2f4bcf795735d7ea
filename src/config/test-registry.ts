// For the config tests only: component factories whose schemas exercise what real components
// use (nested mappings, lists, enums, bounded integers, durations, sizes, refinements), so the
// loader is tested independently of which components exist yet. They cannot be run.
import { z } from 'zod';
import type { ComponentFactory, ComponentRegistry } from '../pipeline/component.js';
import { byteSize, duration } from '../common/units.js';

function notRunnable(): never {
  throw new Error('test component: for configuration tests only');
}

const sendingQueue = z
  .object({
    queue_size: z.number().int().positive().default(1000),
    full_policy: z.enum(['block', 'drop_newest']).default('block'),
  })
  .strict()
  .prefault({});

const factories: ComponentFactory[] = [
  {
    kind: 'receiver',
    type: 'replay',
    description: 'test: reads a capture file',
    settings: z
      .object({ path: z.string().min(1), speed: z.number().positive().default(1), loop: z.boolean().default(false) })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'receiver',
    type: 'ebpf',
    description: 'test: kernel events',
    settings: z
      .object({
        sensors: z
          .array(z.enum(['process', 'file', 'network']))
          .min(1)
          .default(['process']),
        ring: z
          .object({ size: byteSize({ min: '4KiB' }).default(8 * 2 ** 20), batch_latency: duration().default(100) })
          .strict()
          .prefault({}),
      })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'processor',
    type: 'decode',
    description: 'test: decodes',
    settings: z.object({}).strict(),
    create: notRunnable,
  },
  {
    kind: 'processor',
    type: 'filter',
    description: 'test: filters',
    settings: z
      .object({ keep: z.array(z.string()).optional(), drop: z.array(z.string()).optional() })
      .strict()
      .refine((s) => (s.keep?.length ?? 0) + (s.drop?.length ?? 0) > 0, {
        message: 'give at least one keep or drop condition',
      }),
    create: notRunnable,
  },
  {
    kind: 'processor',
    type: 'redact',
    description: 'test: redacts',
    settings: z
      .object({
        action: z.enum(['mask', 'hash', 'drop']).default('mask'),
        hash_key: z.string().min(16).optional(),
        rules: z.array(z.object({ name: z.string(), pattern: z.string() }).strict()).default([]),
      })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'exporter',
    type: 'file',
    description: 'test: writes NDJSON',
    settings: z
      .object({
        path: z.string().min(1),
        rotation: z
          .object({ max_bytes: z.number().int().positive(), max_age: duration({ min: '1s' }).optional() })
          .strict()
          .optional(),
        buffer: byteSize().optional(),
      })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'exporter',
    type: 'console',
    description: 'test: prints',
    settings: z.object({ verbosity: z.enum(['compact', 'json']).default('compact') }).strict(),
    create: notRunnable,
  },
  {
    kind: 'exporter',
    type: 'clickhouse',
    description: 'test: stores',
    settings: z
      .object({
        endpoint: z.string().optional(),
        database: z.string().default('otel'),
        port: z.number().int().min(1).max(65535).optional(),
        compress: z.union([z.boolean(), z.enum(['lz4', 'zstd'])]).default(false),
        timeout: duration().default(5000),
        sending_queue: sendingQueue,
      })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'connector',
    type: 'routing',
    description: 'test: routes',
    settings: z
      .object({
        table: z.array(z.object({ condition: z.string(), pipelines: z.array(z.string()).min(1) }).strict()).min(1),
        default_pipelines: z.array(z.string()).default([]),
      })
      .strict(),
    create: notRunnable,
  },
  {
    kind: 'connector',
    type: 'forward',
    description: 'test: forwards',
    settings: z.object({}).strict(),
    create: notRunnable,
  },
];

export const testRegistry: ComponentRegistry = {
  get: (kind, type) => factories.find((f) => f.kind === kind && f.type === type),
  types: (kind) => factories.filter((f) => f.kind === kind).map((f) => f.type),
};
