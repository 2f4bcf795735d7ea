import { createHmac } from 'node:crypto';
import { RedactConfigError } from './errors.js';

/** Shortest HMAC key accepted: 128 bits, so hashes of guessable secrets cannot be brute-forced. */
export const MIN_HASH_KEY_BYTES = 16;
export const DEFAULT_HASH_LENGTH = 16;

/**
 * Pseudonymises secrets with HMAC-SHA256 under a configured key, so the same secret gives the same
 * value on every host sharing the key (joins keep working) while nobody without the key can test
 * guesses against it, which an unkeyed hash would allow.
 */
export class KeyedHash {
  readonly #key: Buffer;
  readonly #hexLength: number;

  /** @param hexLength hex characters kept from the digest, 8 to 64 */
  constructor(key: string | Uint8Array, hexLength = DEFAULT_HASH_LENGTH) {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length < MIN_HASH_KEY_BYTES) {
      throw new RedactConfigError(
        'WEAK_HASH_KEY',
        `key has ${bytes.length} bytes, at least ${MIN_HASH_KEY_BYTES} are needed`,
        'hashKey',
      );
    }
    if (!Number.isInteger(hexLength) || hexLength < 8 || hexLength > 64) {
      throw new RedactConfigError('BAD_HASH_LENGTH', `${hexLength} is not an integer from 8 to 64`, 'hashLength');
    }
    this.#key = bytes;
    this.#hexLength = hexLength;
  }

  digest(secret: string): string {
    return createHmac('sha256', this.#key).update(secret, 'utf8').digest('hex').slice(0, this.#hexLength);
  }
}
