/** A redactor configuration that cannot be used; start-up must stop and show `message`. */
export class RedactConfigError extends Error {
  override readonly name = 'RedactConfigError';

  /**
   * @param code machine-readable cause, e.g. `bad_rule_pattern`
   * @param field the config path at fault, e.g. `rules[2].pattern`
   */
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`redact config ${field}: ${message}`);
  }
}
