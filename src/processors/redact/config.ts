/** What happens to a detected secret. */
export type RedactAction = 'mask' | 'hash' | 'drop';

export const REDACT_ACTIONS: readonly RedactAction[] = ['mask', 'hash', 'drop'];

/** A rule supplied by the user on top of the built-in detectors. */
export interface UserRule {
  /** Names the rule in markers, counts and errors: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** A JavaScript regular expression source, e.g. `acme_[0-9a-f]{32}`. */
  readonly pattern: string;
  /** Extra RegExp flags among `i`, `m`, `s`, `u` (`g` is always added). */
  readonly flags?: string;
  /** The capture group (index or name) holding the secret; default: the whole match. */
  readonly group?: number | string;
  /** Overrides the global action for this rule. */
  readonly action?: RedactAction;
}

/**
 * An option of a given program whose value is a secret, e.g. mysql's `-p`.
 * `attached` accepts `-pVALUE` (or `--opt=VALUE` for a long option), `separate` accepts `-p VALUE`.
 */
export interface ShortSecretFlag {
  readonly flag: string;
  readonly value: 'attached' | 'separate' | 'both';
  /** `afterColon`: only the text after the first `:` is secret (curl's `-u user:password`). */
  readonly part?: 'whole' | 'afterColon';
}

export interface RedactorConfig {
  /** Action for every rule without its own; default `mask`. */
  readonly action?: RedactAction;
  /** Per-rule action, by built-in or user rule name. */
  readonly ruleActions?: Readonly<Record<string, RedactAction>>;
  /** Built-in rules to switch off, by name. */
  readonly disabledRules?: readonly string[];
  readonly rules?: readonly UserRule[];
  /** HMAC key for the `hash` action, at least 16 bytes; required when any rule hashes. */
  readonly hashKey?: string | Uint8Array;
  /** Hex characters kept from the HMAC-SHA256 digest, 8 to 64; default 16 (64 bits). */
  readonly hashLength?: number;
  /**
   * Program-specific secret options by program base name, merged over the defaults: an entry
   * replaces the default list for that program, an empty list switches the program off.
   */
  readonly programFlags?: Readonly<Record<string, readonly ShortSecretFlag[]>>;
}
