/**
 * Decides whether a name (an environment variable, a query or DSN key, a header, a JSON field, a
 * command-line option) labels a secret value. Names are split into lower-case words at `_ - . space`
 * and at camelCase humps, so `DB_PASSWORD`, `AccountKey`, `x-api-key` and `keyStorePassword` all
 * reduce to words we can compare.
 */

/** A word ending with one of these marks a secret wherever it stands (`PGPASSWORD`, `csrftoken`). */
const SECRET_ENDINGS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'accountkey',
  'authorization',
  'storepass',
  'keypass',
];

/** Too common to trust anywhere but last: `SSH_AUTH_SOCK` is a path, `REDISCLI_AUTH` a password. */
const SECRET_LAST_WORDS = new Set(['pass', 'pwd', 'auth', 'sig', 'passin', 'passout']);

/** A last word saying the value points at a secret instead of being one (`PASSWORD_FILE`). */
const POINTER_LAST_WORDS = new Set(['file', 'path', 'dir', 'name', 'type', 'stdin', 'env', 'prompt']);

export type SecretNameKind =
  /** `KEY=`, `key:`: a bare `key` names a secret (`API_KEY`, `?key=`, `AccountKey`). */
  | 'key'
  /** `--opt`: `--key` is usually a file and `--no-password` a switch, so neither counts. */
  | 'option';

export function isSecretName(name: string, kind: SecretNameKind): boolean {
  const words = splitWords(name);
  const last = words[words.length - 1];
  if (last === undefined || POINTER_LAST_WORDS.has(last)) return false;
  if (kind === 'option' && words[0] === 'no') return false;
  if (SECRET_LAST_WORDS.has(last)) return true;
  if (kind === 'key' && (last === 'key' || last === 'keys')) return true;
  if (words.some(endsWithSecret)) return true;
  // `api_key`, `access-key`, `client_secret`: the joined form names the secret.
  return words.length > 1 && endsWithSecret(words.join(''));
}

function endsWithSecret(word: string): boolean {
  return SECRET_ENDINGS.some((ending) => word.endsWith(ending));
}

function splitWords(name: string): string[] {
  const words: string[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 0x5f;
    const separator = c === 0x5f || c === 0x2d || c === 0x2e || c === 0x20; // _ - . space
    const hump = !separator && isUpper(c) && i > start && isLowerOrDigit(name.charCodeAt(i - 1));
    if (separator || hump) {
      if (i > start) words.push(name.slice(start, i).toLowerCase());
      start = separator ? i + 1 : i;
    }
  }
  return words;
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

function isLowerOrDigit(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}
