import { type ProgramFlags, programName, scanCommandWords } from './command-words.js';
import { SECRET_NAME_TRIGGERS, isSecretName } from './secret-names.js';

/** Reports a secret as characters [start, end) of the scanned string. */
export type EmitSpan = (start: number, end: number) => void;

export interface Detector {
  readonly name: string;
  /**
   * Words, one of which (ASCII case-insensitively) occurs in any text this detector can find
   * something in; a user rule has none and runs on every string.
   */
  readonly triggers: readonly string[];
  find(text: string, emit: EmitSpan): void;
}

/** The rule for secret command-line options, whether found in an argv or in shell text. */
export const SECRET_FLAG_RULE = 'secret-flag';
/** The rule for `Name: value` fields, also applied to map values under a secret key. */
export const SECRET_FIELD_RULE = 'secret-field';

/*
 * Everything here may run on attacker-controlled argv of up to 128 KiB, so it must stay linear.
 * Token patterns start with a look-behind that fails inside a run of their own characters, so a
 * match can only start where a run starts instead of retrying the run from every position; the
 * key=value and key: value detectors parse keys backwards from each `=` or `:`.
 */

/**
 * Reports every match of `regex`, or its capture `group` (an index or a name). The pattern is
 * recompiled with the `g` and `d` flags so the capture's exact position is known. A `gate`, a
 * pattern V8 can search for quickly (a literal), skips texts where `regex` cannot match.
 */
export function regexDetector(
  name: string,
  regex: RegExp,
  options: { readonly group?: number | string; readonly gate?: RegExp; readonly triggers?: readonly string[] } = {},
): Detector {
  const { group = 0, gate, triggers = [] } = options;
  const flags = new Set(regex.flags);
  flags.add('g').add('d');
  const compiled = new RegExp(regex.source, [...flags].join(''));
  return {
    name,
    triggers,
    find(text, emit) {
      if (gate !== undefined && !gate.test(text)) return;
      compiled.lastIndex = 0;
      for (let m = compiled.exec(text); m !== null; m = compiled.exec(text)) {
        if (m[0] === '') compiled.lastIndex++; // `a|(?=b)` can match nothing; step over it
        const range = typeof group === 'number' ? m.indices?.[group] : m.indices?.groups?.[group];
        if (range !== undefined && range[1] > range[0]) emit(range[0], range[1]);
      }
    },
  };
}

/** A token with fixed `prefixes`, which gate it (case-sensitively) and trigger it. */
function tokenDetector(name: string, regex: RegExp, prefixes: readonly string[]): Detector {
  return regexDetector(name, regex, { gate: new RegExp(prefixes.map(escapeRegExp).join('|')), triggers: prefixes });
}

/** Only the password of `scheme://user:password@host`; user and host stay readable. */
function urlCredentialsDetector(): Detector {
  return {
    name: 'url-credentials',
    triggers: ['://'],
    find(text, emit) {
      const ats = new NextIndex(text, '@');
      for (let sep = text.indexOf('://'); sep >= 0; sep = text.indexOf('://', sep + 3)) {
        if (!/[A-Za-z0-9+.-]/.test(text.charAt(sep - 1))) continue; // a scheme must precede
        const authority = sep + 3;
        AUTHORITY_END.lastIndex = authority;
        const end = AUTHORITY_END.exec(text)?.index ?? text.length;
        // The last `@` ends the user info: `mongodb://u:p@ss@host` has the password `p@ss`.
        let at = -1;
        for (let next = ats.after(authority); next >= 0 && next < end; next = ats.after(next + 1)) at = next;
        const colon = at < 0 ? -1 : text.indexOf(':', authority);
        if (colon >= 0 && colon < at && at > colon + 1) emit(colon + 1, at);
      }
    },
  };
}

/** The user info and host of a URL end at the path, query, fragment or white space. */
const AUTHORITY_END = /[\/?#\s]/g;

/** `NAME=value` with a secret name: env assignments, DSN and query-string parameters, INI lines. */
function assignmentDetector(): Detector {
  return {
    name: 'secret-assignment',
    triggers: SECRET_NAME_TRIGGERS,
    find(text, emit) {
      const semicolons = new NextIndex(text, ';');
      // Each search resumes after the last value found: text inside a secret is not scanned again,
      // which keeps `key=key=key=...` linear.
      for (let eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
        // `KEY=value`, or `key = value` (INI) with blanks on both sides; `KEY= cmd` assigns nothing.
        let keyEnd = eq;
        let valueStart = eq + 1;
        if (isBlank(text.charCodeAt(eq - 1))) {
          if (!isBlank(text.charCodeAt(eq + 1))) continue;
          while (isBlank(text.charCodeAt(keyEnd - 1))) keyEnd--;
          while (isBlank(text.charCodeAt(valueStart))) valueStart++;
        }
        const keyStart = keyStartBefore(text, keyEnd);
        // `--password=x` is an option (secret-flag); `$VAR=` is not an assignment.
        if (keyStart < 0 || text.charAt(keyStart - 1) === '$') continue;
        const key = text.slice(keyStart, keyEnd);
        if (!isSecretName(key, 'key')) continue;
        // `PWD` is the shell's working directory; as a DSN key (`;Pwd=x`) it is a password.
        if (key.toLowerCase() === 'pwd' && text.charAt(valueStart) === '/') continue;
        const dsn = text.charAt(keyStart - 1) === ';' || startsNextPair(text, semicolons.after(valueStart));
        const [s, e] = valueRange(text, valueStart, dsn ? DSN_STOP : ASSIGNMENT_STOP);
        if (e > s) emit(s, e);
        eq = Math.max(eq, e - 1);
      }
    },
  };
}

/** Successive `indexOf` searches for one character at growing positions, in linear time overall. */
class NextIndex {
  readonly #text: string;
  readonly #char: string;
  #found = -2; // -2: not searched yet; -1: none left

  constructor(text: string, char: string) {
    this.#text = text;
    this.#char = char;
  }

  after(position: number): number {
    if (this.#found !== -1 && this.#found < position) this.#found = this.#text.indexOf(this.#char, position);
    return this.#found;
  }
}

/**
 * `Server=x;Password=my pass;` values may hold spaces and end at `;`. A key after `;`, or one whose
 * value is followed by `;Key=`, is read that way; elsewhere a value ends at white space, as in
 * shell text (`A=x cmd; other`).
 */
function startsNextPair(text: string, semicolon: number): boolean {
  if (semicolon < 0) return false;
  NEXT_PAIR.lastIndex = semicolon + 1;
  return NEXT_PAIR.test(text);
}

/** The key of a connection string's next pair, spaces allowed (`User Id=`). */
const NEXT_PAIR = /[ \t]*[A-Za-z][A-Za-z0-9 _]*=/y;

/** `Name: value` with a secret name: HTTP headers, JSON and YAML fields. */
function fieldDetector(): Detector {
  return {
    name: SECRET_FIELD_RULE,
    triggers: SECRET_NAME_TRIGGERS,
    find(text, emit) {
      for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
        let keyEnd = colon;
        while (isBlank(text.charCodeAt(keyEnd - 1))) keyEnd--;
        const quote = text.charAt(keyEnd - 1);
        const quoted = isQuote(quote);
        if (quoted) keyEnd--;
        const keyStart = keyStartBefore(text, keyEnd);
        if (keyStart < 0 || (quoted && text.charAt(keyStart - 1) !== quote)) continue;
        // Not a URL's `//user:pass@` or `@host:port`; `user:password` and `host:port` have no
        // gap after the colon, unlike a header or YAML line, and JSON keys are quoted.
        const before = text.charAt(keyStart - (quoted ? 2 : 1));
        if (before === '/' || before === '@') continue;
        if (!quoted && !/[ \t"']/.test(text.charAt(colon + 1))) continue;
        if (!isSecretName(text.slice(keyStart, keyEnd), 'key')) continue;
        let start = colon + 1;
        while (isBlank(text.charCodeAt(start))) start++;
        // A header quoted in shell text (`-H "Authorization: Bearer x" https://...`) ends at its quote.
        const opener = text.charAt(keyStart - 1);
        const stop = quoted ? JSON_STOP : opener === '"' ? LINE_STOP_DQ : opener === "'" ? LINE_STOP_SQ : LINE_STOP;
        const [s, e] = valueRange(text, start, stop);
        AUTH_SCHEME.lastIndex = s;
        const from = AUTH_SCHEME.test(text) && AUTH_SCHEME.lastIndex < e ? AUTH_SCHEME.lastIndex : s;
        if (e > from) emit(from, e);
        colon = Math.max(colon, e - 1); // as for assignments: never rescan a secret
      }
    },
  };
}

/** Keeps `Basic`/`Bearer` visible in `Authorization: Basic <secret>`. */
const AUTH_SCHEME = /(?:basic|bearer|token|digest|negotiate|ntlm)[ \t]+/iy;

/** Where an unquoted value ends, searched with `lastIndex` (hence the `g` flag). */
const ASSIGNMENT_STOP = /[\s;&"']/g;
const DSN_STOP = /[;\r\n]/g;
const JSON_STOP = /[\s,}\]]/g;
const LINE_STOP = /[\r\n]/g;
const LINE_STOP_DQ = /["\r\n]/g;
const LINE_STOP_SQ = /['\r\n]/g;

/**
 * Start of the `[A-Za-z_][A-Za-z0-9_.-]*` key ending at `end`, taking the whole run of key
 * characters (a key never starts mid-word), or -1 when there is none.
 */
function keyStartBefore(text: string, end: number): number {
  let start = end;
  while (start > 0 && isKeyChar(text.charCodeAt(start - 1))) start--;
  const c = text.charCodeAt(start) | 0x20;
  return start < end && ((c >= 0x61 && c <= 0x7a) || text.charAt(start) === '_') ? start : -1;
}

function isKeyChar(c: number): boolean {
  const l = c | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function isQuote(c: string): boolean {
  return c === '"' || c === "'";
}

/**
 * A quoted value's inside, an ODBC braced value (`Pwd={a;b}`), or an unquoted value up to the
 * first `stop` character, without trailing blanks.
 */
function valueRange(text: string, start: number, stop: RegExp): [number, number] {
  const q = text.charAt(start);
  if (q === '{') {
    const close = text.indexOf('}', start);
    return [start + 1, close < 0 ? text.length : close];
  }
  if (isQuote(q)) {
    let close = start + 1;
    while (close < text.length && text.charAt(close) !== q) close += text.charAt(close) === '\\' ? 2 : 1;
    return [start + 1, Math.min(close, text.length)];
  }
  stop.lastIndex = start;
  let end = stop.exec(text)?.index ?? text.length;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  return [start, end];
}

const MAX_QUOTE_DEPTH = 4;

/**
 * Secret options in shell text such as `sh -c "mysql -uroot -psecret db"`. A word that is one quoted
 * string (`'mysql --password=x'`) is also scanned as shell text of its own, down to a few levels of
 * quoting: hostile text made of nested quotes must not recurse once per character.
 */
function commandTextDetector(programs: ProgramFlags): Detector {
  const find = (text: string, emit: EmitSpan, depth: number): void => {
    if (!text.includes('-')) return; // no option, nothing to find
    const words: string[] = [];
    const offsets: number[] = [];
    SHELL_WORD.lastIndex = 0;
    for (let m = SHELL_WORD.exec(text); m !== null; m = SHELL_WORD.exec(text)) {
      words.push(m[0]);
      offsets.push(m.index);
    }
    const first = words[0];
    const flags = first === undefined ? undefined : programs.get(programName(first));
    scanCommandWords(words, flags, programs, (i, s, e) => emit((offsets[i] ?? 0) + s, (offsets[i] ?? 0) + e));
    if (depth >= MAX_QUOTE_DEPTH) return;
    words.forEach((word, i) => {
      if (word.length < 2 || !isQuote(word.charAt(0)) || !word.endsWith(word.charAt(0))) return;
      const base = (offsets[i] ?? 0) + 1;
      find(word.slice(1, -1), (s, e) => emit(base + s, base + e), depth + 1);
    });
  };
  return {
    name: SECRET_FLAG_RULE,
    triggers: [...SECRET_NAME_TRIGGERS, ...programOptionTriggers(programs)],
    find: (text, emit) => find(text, emit, 0),
  };
}

/**
 * A blank-separated word; quotes group (`--password="a b"` is one word), an unclosed one runs to
 * the end. Each repetition eats a whole chunk and nothing follows the loop, so it cannot backtrack.
 */
const SHELL_WORD = /(?:[^\s"']+|"[^"]*"?|'[^']*'?)+/g;

/**
 * An option of the program table after a blank (` -p`), so shell text whose only secret is such an
 * option (`sh -c "mysql -psecret"`) still leaves the fast path.
 */
function programOptionTriggers(programs: ProgramFlags): string[] {
  const options = [...programs.values()].flat().map((f) => f.flag.slice(0, 2));
  return options.flatMap((option) => [' ', '\t', '\n'].map((blank) => blank + option));
}

/**
 * The built-in rules, most specific first: when two find the same text, the earlier one names it.
 * Azure `AccountKey=`/`SharedAccessKey=`, SAS `sig=`, `aws_secret_access_key = ...` and DSN
 * `Password=`/`Pwd=` are all `secret-assignment`; `Authorization:` and `X-Api-Key:` are `secret-field`.
 */
export function builtinDetectors(programs: ProgramFlags): Detector[] {
  return [
    regexDetector(
      'private-key',
      /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)/,
      { gate: /-----BEGIN/, triggers: ['private key'] },
    ),
    tokenDetector('jwt', /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/, ['eyJ']),
    tokenDetector('github-token', /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/, [
      'ghp_',
      'gho_',
      'ghu_',
      'ghs_',
      'ghr_',
      'github_pat_',
    ]),
    tokenDetector('gitlab-token', /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/, ['glpat-']),
    tokenDetector('slack-token', /(?<![A-Za-z0-9-])xox[abeoprs]-[A-Za-z0-9-]{10,}/, ['xox']),
    tokenDetector('aws-access-key-id', /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/, ['AKIA', 'ASIA']),
    tokenDetector('gcp-api-key', /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/, ['AIza']),
    regexDetector('bearer-token', /(?<![A-Za-z0-9])bearer[ \t]+([A-Za-z0-9._~+\/=-]{8,})/i, {
      group: 1,
      gate: /bearer/i,
      triggers: ['bearer'],
    }),
    urlCredentialsDetector(),
    commandTextDetector(programs),
    fieldDetector(),
    assignmentDetector(),
  ];
}

/** Anchored test for a word naming a program of the table (`/usr/bin/mysql`, `mysql`). */
export function buildProgramPattern(programs: ProgramFlags): RegExp {
  return new RegExp(`(?:^|/)(?:${[...programs.keys()].map(escapeRegExp).join('|')})$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\\/-]/g, '\\$&');
}
