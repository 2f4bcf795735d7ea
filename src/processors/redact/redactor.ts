import { type ProgramFlags, buildProgramFlags, programName, scanCommandWords } from './command-words.js';
import { REDACT_ACTIONS, type RedactAction, type RedactorConfig } from './config.js';
import {
  type Detector,
  type EmitSpan,
  SECRET_FIELD_RULE,
  SECRET_FLAG_RULE,
  buildProgramPattern,
  builtinDetectors,
} from './detectors.js';
import { RedactConfigError } from './errors.js';
import { KeyedHash } from './keyed-hash.js';
import { isSecretName } from './secret-names.js';
import { buildTrigger } from './trigger.js';
import { RULE_NAME, compileUserRule } from './user-rules.js';

/** A value found in event attributes: strings are scanned, maps are also judged by their keys. */
export type RedactableValue =
  string | number | boolean | readonly RedactableValue[] | { readonly [key: string]: RedactableValue };

interface Rule {
  readonly name: string;
  readonly action: RedactAction;
  /** Replacement for `mask`: names the rule so readers know why text is missing. */
  readonly marker: string;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly rule: number;
}

/**
 * Finds secrets in event text and replaces them before any exporter sees the event.
 *
 * Each secret becomes, by its rule's action:
 * - `mask`: `[REDACTED:<rule>]`;
 * - `hash`: `[HMAC:<hex>]`, HMAC-SHA256 of the secret under `hashKey`, cut to `hashLength` hex
 *   characters (16 by default, 64 bits: collisions stay unlikely up to billions of distinct
 *   secrets). It does not name the rule, so one secret found by two rules still joins;
 * - `drop`: the method returns `null` and the caller removes the whole field.
 *
 * Overlapping findings merge into one replacement named by the rule that starts first (then the
 * widest, then the earlier rule); if any of them drops, the field is dropped.
 *
 * Strings that pass none of the trigger words are returned as is, the same object, without
 * allocating; user rules, which may match anything, run on every string.
 */
export class Redactor {
  readonly #rules: Rule[] = [];
  readonly #builtins: Array<{ readonly detector: Detector; readonly emit: EmitSpan }> = [];
  readonly #userRules: Array<{ readonly detector: Detector; readonly emit: EmitSpan }> = [];
  readonly #flagRule: number | undefined;
  readonly #fieldRule: number | undefined;
  readonly #programs: ProgramFlags;
  readonly #trigger: RegExp;
  /** Matches a word naming a program of #programs. */
  readonly #programPattern: RegExp;
  /** Second characters of the program options (`p` of `-p`), as char codes. */
  readonly #programOptionSeconds: ReadonlySet<number>;
  readonly #hash: KeyedHash | undefined;
  readonly #counts = new Map<string, number>();
  /** Where detectors report the spans of the string being redacted. */
  #spans: Span[] = [];

  constructor(config: RedactorConfig = {}) {
    const defaultAction = checkAction(config.action ?? 'mask', 'action');
    const ruleActions = config.ruleActions ?? {};
    const actionOf = (name: string): RedactAction =>
      Object.hasOwn(ruleActions, name) ? checkAction(ruleActions[name], `ruleActions.${name}`) : defaultAction;
    const addRule = (name: string, action: RedactAction): number => {
      this.#counts.set(name, 0);
      return this.#rules.push({ name, action, marker: `[REDACTED:${name}]` }) - 1;
    };

    this.#programs = buildProgramFlags(config.programFlags);
    this.#programPattern = buildProgramPattern(this.#programs);
    this.#programOptionSeconds = new Set([...this.#programs.values()].flat().map((f) => f.flag.charCodeAt(1)));
    const builtins = builtinDetectors(this.#programs);
    const builtinNames = new Set(builtins.map((d) => d.name));
    const disabled = new Set(config.disabledRules ?? []);
    for (const name of disabled) {
      if (!builtinNames.has(name)) throw unknownRule(name, 'disabledRules');
    }
    for (const detector of builtins) {
      if (disabled.has(detector.name)) continue;
      const rule = addRule(detector.name, actionOf(detector.name));
      this.#builtins.push({ detector, emit: this.#emitter(rule) });
    }
    (config.rules ?? []).forEach((userRule, i) => {
      const field = `rules[${i}]`;
      if (!RULE_NAME.test(userRule.name)) {
        throw new RedactConfigError(
          'BAD_RULE_NAME',
          `"${userRule.name}" may use only letters, digits, . _ -`,
          `${field}.name`,
        );
      }
      if (builtinNames.has(userRule.name) || this.#counts.has(userRule.name)) {
        throw new RedactConfigError('DUPLICATE_RULE', `rule "${userRule.name}" is already defined`, `${field}.name`);
      }
      const detector = compileUserRule(userRule, field);
      const action =
        userRule.action === undefined ? actionOf(userRule.name) : checkAction(userRule.action, `${field}.action`);
      this.#userRules.push({ detector, emit: this.#emitter(addRule(userRule.name, action)) });
    });
    for (const name of Object.keys(ruleActions)) {
      if (!this.#counts.has(name)) throw unknownRule(name, `ruleActions.${name}`);
    }
    this.#trigger = buildTrigger(this.#builtins.flatMap((b) => b.detector.triggers));
    this.#flagRule = this.#ruleIndex(SECRET_FLAG_RULE);
    this.#fieldRule = this.#ruleIndex(SECRET_FIELD_RULE);

    this.#hash = config.hashKey === undefined ? undefined : new KeyedHash(config.hashKey, config.hashLength);
    const hashing = this.#rules.find((r) => r.action === 'hash');
    if (hashing !== undefined && this.#hash === undefined) {
      throw new RedactConfigError('MISSING_HASH_KEY', `rule "${hashing.name}" hashes but no key is set`, 'hashKey');
    }
  }

  /** The text with its secrets replaced, the same string when there are none, or null to drop it. */
  redactString(text: string): string | null {
    const builtins = this.#trigger.test(text);
    if (!builtins && this.#userRules.length === 0) return text;
    this.#spans.length = 0;
    this.#find(text, builtins);
    return this.#apply(text, this.#spans);
  }

  /**
   * An argument vector with its secrets replaced: the same array when there are none, or null to
   * drop it. `program` is the executed file; it and `argv[0]` select program-specific options
   * such as mysql's `-psecret` (see command-words.ts).
   */
  redactArgv(program: string, argv: readonly string[]): readonly string[] | null {
    const builtins = this.#argvMayHoldSecrets(program, argv);
    if (!builtins && this.#userRules.length === 0) return argv;

    const optionSpans = new Map<number, Span[]>();
    const flagRule = this.#flagRule;
    if (builtins && flagRule !== undefined) {
      const flags = this.#programs.get(programName(program)) ?? this.#programs.get(programName(argv[0] ?? ''));
      scanCommandWords(argv, flags, this.#programs, (i, start, end) => {
        const list = optionSpans.get(i) ?? [];
        list.push({ start, end, rule: flagRule });
        optionSpans.set(i, list);
      });
    }
    let out: string[] | undefined;
    let dropped = false;
    argv.forEach((arg, i) => {
      this.#spans = optionSpans.get(i) ?? [];
      this.#find(arg, builtins && this.#trigger.test(arg));
      const redacted = this.#apply(arg, this.#spans);
      if (redacted === null) dropped = true;
      else if (redacted !== arg) (out ??= argv.slice())[i] = redacted;
    });
    this.#spans = [];
    return dropped ? null : (out ?? argv);
  }

  /**
   * A structured value with its secrets replaced: the same object when there are none, or null to
   * drop it. Strings and numbers under a secret key (`password`, `api_key`, `Authorization`) are
   * secrets as a whole; other strings are scanned like `redactString`.
   */
  redactValue(value: RedactableValue): RedactableValue | null {
    if (typeof value === 'string') return this.redactString(value);
    if (typeof value !== 'object') return value;
    if (isArray(value)) return this.#redactEach(value);
    let out: Record<string, RedactableValue> | undefined;
    let dropped = false;
    for (const [key, item] of Object.entries(value)) {
      const redacted = this.#redactEntry(key, item);
      if (redacted === null) dropped = true;
      else if (redacted !== item) (out ??= { ...value })[key] = redacted;
    }
    return dropped ? null : (out ?? value);
  }

  /** Redactions applied per rule since construction, dropped fields included; a live view. */
  counts(): ReadonlyMap<string, number> {
    return this.#counts;
  }

  /**
   * The argv fast path: a trigger word in any element, or an option like `-p` of the program
   * table together with a program of the table (as the program, argv[0] or, after `sudo`, any word).
   */
  #argvMayHoldSecrets(program: string, argv: readonly string[]): boolean {
    if (this.#trigger.test(program)) return true;
    let programOption = false;
    for (const arg of argv) {
      if (this.#trigger.test(arg)) return true;
      programOption ||= arg.charCodeAt(0) === 0x2d && this.#programOptionSeconds.has(arg.charCodeAt(1));
    }
    if (!programOption || this.#flagRule === undefined) return false;
    return this.#programPattern.test(program) || argv.some((arg) => this.#programPattern.test(arg));
  }

  #redactEach(values: readonly RedactableValue[]): readonly RedactableValue[] | null {
    let out: RedactableValue[] | undefined;
    let dropped = false;
    values.forEach((item, i) => {
      const redacted = this.redactValue(item);
      if (redacted === null) dropped = true;
      else if (redacted !== item) (out ??= values.slice())[i] = redacted;
    });
    return dropped ? null : (out ?? values);
  }

  #redactEntry(key: string, item: RedactableValue): RedactableValue | null {
    const rule = this.#fieldRule;
    const whole = typeof item === 'string' || typeof item === 'number' ? String(item) : '';
    if (rule === undefined || whole === '' || !isSecretName(key, 'key')) return this.redactValue(item);
    return this.#apply(whole, [{ start: 0, end: whole.length, rule }]);
  }

  #find(text: string, builtins: boolean): void {
    if (builtins) for (const { detector, emit } of this.#builtins) detector.find(text, emit);
    for (const { detector, emit } of this.#userRules) detector.find(text, emit);
  }

  /** Replaces the spans, merging overlaps under the rule that starts first (or is widest). */
  #apply(text: string, spans: Span[]): string | null {
    if (spans.length === 0) return text;
    spans.sort((a, b) => a.start - b.start || b.end - a.end || a.rule - b.rule);
    let out = '';
    let pos = 0;
    let dropped = false;
    for (let i = 0; i < spans.length;) {
      const first = spans[i++] as Span;
      let rule = this.#rules[first.rule] as Rule;
      let end = first.end;
      for (let next = spans[i]; next !== undefined && next.start < end; next = spans[++i]) {
        end = Math.max(end, next.end);
        const other = this.#rules[next.rule] as Rule;
        if (other.action === 'drop') rule = other;
      }
      this.#counts.set(rule.name, (this.#counts.get(rule.name) ?? 0) + 1);
      if (rule.action === 'drop') dropped = true;
      if (dropped) continue;
      out += text.slice(pos, first.start) + this.#replacement(rule, text.slice(first.start, end));
      pos = end;
    }
    return dropped ? null : out + text.slice(pos);
  }

  #replacement(rule: Rule, secret: string): string {
    if (rule.action === 'hash' && this.#hash !== undefined) return `[HMAC:${this.#hash.digest(secret)}]`;
    return rule.marker;
  }

  #emitter(rule: number): EmitSpan {
    return (start, end) => {
      this.#spans.push({ start, end, rule });
    };
  }

  #ruleIndex(name: string): number | undefined {
    const i = this.#rules.findIndex((r) => r.name === name);
    return i < 0 ? undefined : i;
  }
}

function checkAction(action: unknown, field: string): RedactAction {
  if (!REDACT_ACTIONS.includes(action as RedactAction)) {
    throw new RedactConfigError('BAD_ACTION', `"${String(action)}" is not one of ${REDACT_ACTIONS.join(', ')}`, field);
  }
  return action as RedactAction;
}

function unknownRule(name: string, field: string): RedactConfigError {
  return new RedactConfigError('UNKNOWN_RULE', `no rule is named "${name}"`, field);
}

function isArray(value: RedactableValue): value is readonly RedactableValue[] {
  return Array.isArray(value);
}
