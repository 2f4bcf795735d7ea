/**
 * Decides whether a name (an environment variable, a query or DSN key, a header, a JSON field, a
 * command-line option) labels a secret value. Names are reduced to lower-case words joined by `_`,
 * split at `_ - . space` and at camelCase humps, so `DB_PASSWORD`, `AccountKey`, `x-api-key` and
 * `keyStorePassword` all compare alike. The rules are regular expressions over that form because
 * they run natively; the same checks written as JavaScript loops were several times slower.
 */

/** Separators and camelCase humps (`keyStore` -> `key_store`). */
const WORD_BREAK = /[-. ]|(?<=[a-z0-9])(?=[A-Z])/g;

/**
 * A word ending with one of these marks a secret wherever it stands (`PGPASSWORD`, `csrftoken`),
 * as does the whole name with its separators removed (`api_key`, `client-secret`).
 */
const SECRET_ENDINGS =
  'password|passwd|passphrase|secret|token|apikey|accesskey|secretkey|accountkey|authorization|storepass|keypass';
const SECRET_WORD = new RegExp(`(?:${SECRET_ENDINGS})(?:_|$)`);
const SECRET_JOINED = new RegExp(`(?:${SECRET_ENDINGS})$`);

/** Too common to trust anywhere but last: `SSH_AUTH_SOCK` is a path, `REDISCLI_AUTH` a password. */
const SECRET_LAST_WORD = /(?:^|_)(?:pass|pwd|auth|sig|passin|passout)$/;
const KEY_LAST_WORD = /(?:^|_)keys?$/;

/** A last word saying the value points at a secret instead of being one (`PASSWORD_FILE`). */
const POINTER_LAST_WORD = /(?:^|_)(?:file|path|dir|name|type|stdin|env|prompt)$/;

/**
 * Every secret name contains one of these (case-insensitively): each word in the lists above does.
 * Texts without any skip the name-based detectors.
 */
export const SECRET_NAME_TRIGGERS: readonly string[] = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'sig'];

export type SecretNameKind =
  /** `KEY=`, `key:`: a bare `key` names a secret (`API_KEY`, `?key=`, `AccountKey`). */
  | 'key'
  /** `--opt`: `--key` is usually a file and `--no-password` a switch, so neither counts. */
  | 'option';

export function isSecretName(name: string, kind: SecretNameKind): boolean {
  const words = name.replace(WORD_BREAK, '_').toLowerCase();
  if (POINTER_LAST_WORD.test(words)) return false;
  if (kind === 'option' && words.startsWith('no_')) return false;
  if (SECRET_LAST_WORD.test(words) || (kind === 'key' && KEY_LAST_WORD.test(words))) return true;
  return SECRET_WORD.test(words) || (words.includes('_') && SECRET_JOINED.test(words.replaceAll('_', '')));
}
