import { EbpipeError } from '../../common/errors.js';

/** A redactor configuration that cannot be used; start-up must stop and show `message`. */
export class RedactConfigError extends EbpipeError {
  override readonly name = 'RedactConfigError';

  /**
   * @param code machine-readable cause, e.g. `BAD_RULE_PATTERN`
   * @param field the config path at fault, e.g. `rules[2].pattern`
   */
  constructor(
    code: string,
    message: string,
    readonly field: string,
  ) {
    super(code, 'configuring', `redact config ${field}: ${message}`);
  }
}
