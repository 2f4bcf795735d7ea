/** An enrich option that cannot be used; start-up must stop and show `message`. */
export class EnrichConfigError extends Error {
  override readonly name = 'EnrichConfigError';

  /**
   * @param code machine-readable cause, e.g. `bad_option`
   * @param field the option at fault, e.g. `maxEntries`
   */
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(`enrich option ${field}: ${message}`);
  }
}
