import type { ShortSecretFlag } from './config.js';
import { RedactConfigError } from './errors.js';
import { isSecretName } from './secret-names.js';

/**
 * Secret-valued options of particular programs, by base name.
 *
 * The `-p` rule: a short option is only treated as secret for the programs listed here, because
 * `-p` means port or pid to most tools (`ssh -p 22`, `python -m http.server -p 8080`, `docker run -p`).
 * The MySQL/MariaDB clients take a password only attached (`-psecret`): their documentation reads
 * `mysql -p mydb` as "prompt for a password, use database mydb", so a separate word is left alone.
 * Long options (`--password x`, `--api-key=x`, `-storepass x`) are recognised for every program by
 * name, see `isSecretName`.
 */
const MYSQL_STYLE: readonly ShortSecretFlag[] = [{ flag: '-p', value: 'attached' }];
const GETOPT_P: readonly ShortSecretFlag[] = [{ flag: '-p', value: 'both' }];
const UPPER_P: readonly ShortSecretFlag[] = [{ flag: '-P', value: 'both' }];
const REDIS_STYLE: readonly ShortSecretFlag[] = [{ flag: '-a', value: 'separate' }];
const LDAP_STYLE: readonly ShortSecretFlag[] = [{ flag: '-w', value: 'both' }];
const CURL_STYLE: readonly ShortSecretFlag[] = [
  { flag: '-u', value: 'both', part: 'afterColon' },
  { flag: '--user', value: 'both', part: 'afterColon' },
  { flag: '-U', value: 'both', part: 'afterColon' },
  { flag: '--proxy-user', value: 'both', part: 'afterColon' },
];

/** Splits a list of names written across lines. */
const names = (list: string): string[] => list.trim().split(/\s+/);

const DEFAULT_PROGRAM_FLAGS: ReadonlyArray<readonly [readonly string[], readonly ShortSecretFlag[]]> = [
  [
    names(`
      mysql mysqldump mysqladmin mysqlimport mysqlshow mysqlcheck mysqlslap mysqlpump mysqlbinlog mysqlsh
      mariadb mariadb-dump mariadb-admin mariadb-import mariadb-show mariadb-check mariadb-slap mariadb-binlog
      mariadb-backup mariabackup 7z 7za 7zr 7zz
    `),
    MYSQL_STYLE,
  ],
  [
    names(`
      sshpass mongo mongosh mongodump mongorestore mongoexport mongoimport mongostat mongotop mongofiles
    `),
    GETOPT_P,
  ],
  [names('zip unzip sqlcmd bcp mosquitto_pub mosquitto_sub mosquitto_rr'), UPPER_P],
  [names('redis-cli valkey-cli keydb-cli'), REDIS_STYLE],
  [names('ldapsearch ldapadd ldapmodify ldapdelete ldapmodrdn ldapwhoami ldappasswd ldapcompare ldapexop'), LDAP_STYLE],
  [names('curl'), CURL_STYLE],
];

export type ProgramFlags = ReadonlyMap<string, readonly ShortSecretFlag[]>;

/** The default table with `overrides` applied; a program mapped to `[]` is switched off. */
export function buildProgramFlags(overrides: Readonly<Record<string, readonly ShortSecretFlag[]>> = {}): ProgramFlags {
  const table = new Map<string, readonly ShortSecretFlag[]>();
  for (const [programs, flags] of DEFAULT_PROGRAM_FLAGS) for (const p of programs) table.set(p, flags);
  for (const [program, flags] of Object.entries(overrides)) {
    const field = `programFlags.${program}`;
    if (program === '' || program.includes('/')) {
      throw new RedactConfigError('BAD_PROGRAM_FLAG', 'program must be a base name, e.g. "mysql"', field);
    }
    flags.forEach((f, i) => checkFlag(f, `${field}[${i}]`));
    if (flags.length === 0) table.delete(program);
    else table.set(program, flags);
  }
  return table;
}

function checkFlag(f: ShortSecretFlag, field: string): void {
  if (!/^(?:-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9-]*)$/.test(f.flag)) {
    throw new RedactConfigError(
      'BAD_PROGRAM_FLAG',
      `"${f.flag}" is not an option like -p or --password`,
      `${field}.flag`,
    );
  }
  if (f.value !== 'attached' && f.value !== 'separate' && f.value !== 'both') {
    throw new RedactConfigError('BAD_PROGRAM_FLAG', 'must be attached, separate or both', `${field}.value`);
  }
  if (f.part !== undefined && f.part !== 'whole' && f.part !== 'afterColon') {
    throw new RedactConfigError('BAD_PROGRAM_FLAG', 'must be whole or afterColon', `${field}.part`);
  }
}

/** Base name of a command word, ignoring a leading `$(`, `(` or backtick from shell text. */
export function programName(word: string): string {
  let start = 0;
  while (start < word.length && '$(`'.includes(word.charAt(start))) start++;
  return word.slice(Math.max(start, word.lastIndexOf('/') + 1));
}

/** Reports a secret as characters [start, end) of `words[index]`. */
export type EmitWordSpan = (index: number, start: number, end: number) => void;

type Part = NonNullable<ShortSecretFlag['part']>;

const COMMAND_SEPARATORS = new Set([';', '|', '||', '&', '&&']);

/**
 * Finds option values that are secrets in a command's words (an argv, or the words of shell text).
 * `flags` are the program-specific options in force at the first word; a later word naming a program
 * from `programs` (`sudo mysql ...`, `sh -c "x; mysql ..."`) switches to that program's options, and a
 * shell separator word (`;`, `&&`, `|`) clears them. A wrapped command that is not in the table keeps
 * its wrapper's options (`sshpass -p pw ssh -p 22` also hides `22`): when unsure, hide more.
 */
export function scanCommandWords(
  words: readonly string[],
  flags: readonly ShortSecretFlag[] | undefined,
  programs: ProgramFlags,
  emit: EmitWordSpan,
): void {
  let pending: Part | undefined; // the previous word asked for this one as its value
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (pending !== undefined) {
      const part = pending;
      pending = undefined;
      // A word that looks like the next option is taken as one, as getopt does for optional
      // values: `psql --password -h db` must not hide `-h`. A secret starting `-x` is missed.
      if (!looksLikeOption(word)) {
        emitValue(word, 0, part, (s, e) => emit(i, s, e));
        continue;
      }
    }
    if (COMMAND_SEPARATORS.has(word)) {
      flags = undefined;
    } else if (word.length > 1 && word.charCodeAt(0) === 0x2d) {
      pending = scanOption(word, flags, (s, e) => emit(i, s, e));
    } else {
      flags = programs.get(programName(word)) ?? flags;
    }
  }
}

/** Reports the value inside `word` or returns how the next word is secret. */
function scanOption(
  word: string,
  flags: readonly ShortSecretFlag[] | undefined,
  emit: (start: number, end: number) => void,
): Part | undefined {
  for (const f of flags ?? []) {
    const part = f.part ?? 'whole';
    if (word === f.flag) return f.value === 'attached' ? undefined : part;
    const prefix = f.flag.startsWith('--') ? `${f.flag}=` : f.flag;
    if (f.value !== 'separate' && word.length > prefix.length && word.startsWith(prefix)) {
      emitValue(word, prefix.length, part, emit);
      return undefined;
    }
  }
  const nameStart = word.charCodeAt(1) === 0x2d ? 2 : 1;
  const eq = word.indexOf('=', nameStart);
  const name = word.slice(nameStart, eq < 0 ? word.length : eq);
  if (name.length < 2 || !isSecretName(name, 'option')) return undefined;
  if (eq < 0) return 'whole';
  emitValue(word, eq + 1, 'whole', emit);
  return undefined;
}

function looksLikeOption(word: string): boolean {
  if (word.length < 2 || word.charCodeAt(0) !== 0x2d) return false;
  const c = word.charCodeAt(1) | 0x20; // fold case
  return c === 0x2d || (c >= 0x61 && c <= 0x7a);
}

function emitValue(word: string, start: number, part: Part, emit: (start: number, end: number) => void): void {
  const [first, e] = unquote(word, start, word.length);
  let s = first;
  if (part === 'afterColon') {
    const colon = word.indexOf(':', s);
    if (colon < 0 || colon >= e) return;
    s = colon + 1;
  }
  if (e > s) emit(s, e);
}

/** The range inside one pair of quotes around [start, end), or an opening quote left unclosed. */
export function unquote(text: string, start: number, end: number): [number, number] {
  const q = text.charAt(start);
  if (q !== '"' && q !== "'") return [start, end];
  const close = text.indexOf(q, start + 1);
  return [start + 1, close < 0 || close >= end ? end : close];
}
