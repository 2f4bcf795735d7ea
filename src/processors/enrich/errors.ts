import { EbpipeError } from '../../common/errors.js';

/** An enrich option that cannot be used; start-up must stop and show `message`. */
export class EnrichConfigError extends EbpipeError {
  override readonly name = 'EnrichConfigError';

  /**
   * @param code machine-readable cause, e.g. `BAD_OPTION`
   * @param field the option at fault, e.g. `maxEntries`
   */
  constructor(
    code: string,
    message: string,
    readonly field: string,
  ) {
    super(code, 'configuring', `enrich option ${field}: ${message}`);
  }
}
