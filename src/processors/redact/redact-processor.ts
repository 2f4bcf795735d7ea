// `redact`: runs the Redactor over every string of every event (argv with program-aware
// option rules, paths, cwd, anything a sensor adds later), so that secrets never reach an
// exporter, the console included. Counts per rule: redact_applied_total{rule}.
import { z } from 'zod';
import type { Event } from '../../events/model.js';
import type { EventBatch } from '../../pipeline/batch.js';
import {
  ComponentSettingsError,
  type ComponentContext,
  type Processor,
  type ProcessorFactory,
} from '../../pipeline/component.js';
import type { Counter } from '../../telemetry/counters.js';
import { REDACT_ACTIONS, type RedactorConfig } from './config.js';
import { RedactConfigError } from './errors.js';
import { Redactor } from './redactor.js';

const action = z.enum(REDACT_ACTIONS as [string, ...string[]]);

const settings = z
  .object({
    /** What happens to a secret: mask ([REDACTED:rule]), hash (keyed HMAC, joins still work) or drop the field. */
    action: action.default('mask'),
    /** Per-rule action, by rule name. */
    rule_actions: z.record(z.string(), action).optional(),
    /** Built-in rules to switch off. */
    disabled_rules: z.array(z.string()).optional(),
    /** Your own rules on top of the built-in detectors. */
    rules: z
      .array(
        z
          .object({
            name: z.string(),
            pattern: z.string(),
            flags: z.string().optional(),
            group: z.union([z.number().int().nonnegative(), z.string()]).optional(),
            action: action.optional(),
          })
          .strict(),
      )
      .optional(),
    /** HMAC key for `hash`, at least 16 bytes; use ${env:...} rather than writing it here. */
    hash_key: z.string().optional(),
    hash_length: z.number().int().min(8).max(64).optional(),
    /** Program options whose value is a secret, e.g. { mytool: [{ flag: "-k", value: separate }] }. */
    program_flags: z
      .record(
        z.string(),
        z.array(
          z
            .object({
              flag: z.string(),
              value: z.enum(['attached', 'separate', 'both']),
              part: z.enum(['whole', 'afterColon']).optional(),
            })
            .strict(),
        ),
      )
      .optional(),
  })
  .strict();

type RedactSettings = z.output<typeof settings>;

function redactorConfig(s: RedactSettings): RedactorConfig {
  return {
    action: s.action as RedactorConfig['action'] & string,
    ...(s.rule_actions && { ruleActions: s.rule_actions as RedactorConfig['ruleActions'] & object }),
    ...(s.disabled_rules && { disabledRules: s.disabled_rules }),
    ...(s.rules && {
      rules: s.rules.map((r) => ({
        name: r.name,
        pattern: r.pattern,
        ...(r.flags !== undefined && { flags: r.flags }),
        ...(r.group !== undefined && { group: r.group }),
        ...(r.action !== undefined && { action: r.action as 'mask' | 'hash' | 'drop' }),
      })),
    }),
    ...(s.hash_key !== undefined && { hashKey: s.hash_key }),
    ...(s.hash_length !== undefined && { hashLength: s.hash_length }),
    ...(s.program_flags && {
      programFlags: Object.fromEntries(
        Object.entries(s.program_flags).map(([program, flags]) => [
          program,
          flags.map((f) => ({ flag: f.flag, value: f.value, ...(f.part && { part: f.part }) })),
        ]),
      ),
    }),
  };
}

type Bag = Record<string, unknown>;

/** A field the redactor says to drop. */
const DROP = Symbol('drop');

/** Clean strings remembered before the set starts over; bounds memory on hosts with endless distinct paths. */
const CLEAN_STRINGS_KEPT = 16_384;

export class RedactProcessor implements Processor {
  private readonly redactor: Redactor;
  private readonly applied = new Map<string, { counter: Counter; reported: number }>();
  private readonly cleanStrings = new Set<string>();
  /** Clean arrays, with the program they were clean for (argv rules depend on the program). */
  private readonly cleanArrays = new WeakMap<object, string>();

  constructor(s: RedactSettings, ctx: ComponentContext) {
    try {
      this.redactor = new Redactor(redactorConfig(s));
    } catch (err) {
      if (!(err instanceof RedactConfigError)) throw err;
      const path = err.field
        .split(/[.[\]]+/)
        .filter(Boolean)
        .map((p) => (/^\d+$/.test(p) ? Number(p) : snakeCase(p)));
      throw new ComponentSettingsError(ctx.origin(path), `processors.${ctx.id}.${path.join('.')}`, err.message);
    }
    for (const rule of this.redactor.counts().keys()) {
      this.applied.set(rule, {
        counter: ctx.counters.counter('redact_applied_total', { processor: ctx.id, rule }),
        reported: 0,
      });
    }
  }

  process(batch: EventBatch): EventBatch {
    for (const event of batch.events) this.redactEvent(event);
    for (const [rule, count] of this.redactor.counts()) {
      const entry = this.applied.get(rule);
      if (entry && count !== entry.reported) {
        entry.counter.add(count - entry.reported);
        entry.reported = count;
      }
    }
    return batch;
  }

  /** The event object is the batch's own; everything inside may be shared with the process cache. */
  private redactEvent(event: Event): void {
    const bag = event as unknown as Bag;
    const program = 'binary' in event ? event.binary : (event.process.binary ?? '');
    // for...in, not Object.keys: no array per event. `origin` holds numbers only.
    for (const key in bag) {
      if (key === 'origin') continue;
      const value = bag[key];
      if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) continue;
      const redacted = this.redact(value, key, program);
      if (redacted === DROP) delete bag[key];
      else if (redacted !== value) bag[key] = redacted;
    }
  }

  /**
   * Copy on write: returns `value` itself when it holds no secret, else a redacted copy (or
   * DROP). Arrays and objects are never changed in place: enrich shares them between events.
   */
  private redact(value: unknown, key: string, program: string): unknown {
    if (typeof value === 'string') {
      if (this.cleanStrings.has(value)) return value;
      const redacted = this.redactor.redactString(value) ?? DROP;
      if (redacted === value) this.rememberClean(value);
      return redacted;
    }
    if (Array.isArray(value)) {
      // Enrichment shares argv and ancestry arrays between a process's events: check each once.
      if (this.cleanArrays.get(value) === program) return value;
      const redacted = this.redactArray(value, key, program);
      if (redacted === value) this.cleanArrays.set(value, program);
      return redacted;
    }
    if (typeof value === 'object' && value !== null) {
      const bag = value as Bag;
      const nestedProgram = typeof bag['binary'] === 'string' ? bag['binary'] : program;
      let copy: Bag | undefined;
      for (const k in bag) {
        const item = bag[k];
        if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) continue;
        const redacted = this.redact(item, k, nestedProgram);
        if (redacted === item) continue;
        copy ??= { ...bag };
        if (redacted === DROP) delete copy[k];
        else copy[k] = redacted;
      }
      return copy ?? value;
    }
    return value;
  }

  private redactArray(value: unknown[], key: string, program: string): unknown {
    if (key === 'argv' && value.every((v) => typeof v === 'string')) {
      return this.redactor.redactArgv(program, value) ?? DROP;
    }
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, i) => {
      const redacted = this.redact(item, key, program);
      if (redacted !== item) (copy ??= value.slice())[i] = redacted === DROP ? '[DROPPED]' : redacted;
    });
    return copy ?? value;
  }

  /**
   * Strings that held no secret, so that a process's binary, cwd and common paths are scanned
   * once. Only clean results are remembered: a secret is redacted (and counted) every time.
   */
  private rememberClean(text: string): void {
    if (this.cleanStrings.size >= CLEAN_STRINGS_KEPT) this.cleanStrings.clear();
    this.cleanStrings.add(text);
  }
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export const redactProcessor: ProcessorFactory<typeof settings> = {
  kind: 'processor',
  type: 'redact',
  description:
    'masks, hashes or drops secrets (password flags, credentials in URLs, cloud keys, tokens, private keys) in every string',
  settings,
  create: (s, ctx) => new RedactProcessor(s, ctx),
};
