import { type ProgramFlags, programName, scanCommandWords } from './command-words.js';
import { isSecretName } from './secret-names.js';

/** The rule for secret command-line options, whether found in an argv or in shell text. */
export const SECRET_FLAG_RULE = 'secret-flag';

/** Reports a secret as characters [start, end) of the scanned string. */
export type EmitSpan = (start: number, end: number) => void;

export interface Detector {
  readonly name: string;
  find(text: string, emit: EmitSpan): void;
}

/*
 * Every pattern below may run on attacker-controlled argv up to 128 KiB, so each one is anchored by
 * a look-behind that fails inside a run of its own characters: a match can only start where a run
 * starts, which keeps the scan linear instead of retrying the run from every position.
 */

/**
 * Reports every match of `regex`, or its capture `group` (an index or a name). The pattern is
 * recompiled with the `g` and `d` flags so the capture's exact position is known.
 */
export function regexDetector(name: string, regex: RegExp, group: number | string = 0): Detector {
  const flags = new Set(regex.flags);
  flags.add('g').add('d');
  const compiled = new RegExp(regex.source, [...flags].join(''));
  return {
    name,
    find(text, emit) {
      compiled.lastIndex = 0;
      for (let m = compiled.exec(text); m !== null; m = compiled.exec(text)) {
        if (m[0] === '') compiled.lastIndex++; // `a|(?=b)` can match nothing; step over it
        const range = typeof group === 'number' ? m.indices?.[group] : m.indices?.groups?.[group];
        if (range !== undefined && range[1] > range[0]) emit(range[0], range[1]);
      }
    },
  };
}

/** `NAME=value` with a secret name: env assignments, DSN and query-string parameters, INI lines. */
function assignmentDetector(): Detector {
  const regex = /(?<![A-Za-z0-9_.$-])([A-Za-z_][A-Za-z0-9_.-]*)(?:=|[ \t]+=[ \t]+)/g;
  return {
    name: 'secret-assignment',
    find(text, emit) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        const key = m[1] ?? '';
        if (!isSecretName(key, 'key')) continue;
        const valueStart = regex.lastIndex;
        // `PWD` is the shell's working directory; as a DSN key (`;Pwd=x`) it is a password.
        if (key.toLowerCase() === 'pwd' && text.charAt(valueStart) === '/') continue;
        const [s, e] = valueRange(text, valueStart, inConnectionString(text, m.index) ? DSN_STOP : ASSIGNMENT_STOP);
        if (e > s) emit(s, e);
      }
    },
  };
}

/**
 * `Server=x;Password=my pass;` values may hold spaces and end at `;`. A key after `;`, or first in
 * a text that has a `;`, is read that way; elsewhere a value ends at white space (`A=x cmd`).
 */
function inConnectionString(text: string, keyStart: number): boolean {
  return keyStart === 0 ? text.includes(';') : text.charAt(keyStart - 1) === ';';
}

/** `Name: value` with a secret name: HTTP headers, JSON and YAML fields. */
function fieldDetector(): Detector {
  const regex = /(?<![A-Za-z0-9_.\/@-])(["']?)([A-Za-z_][A-Za-z0-9_.-]*)\1[ \t]*:/g;
  return {
    name: 'secret-field',
    find(text, emit) {
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        const quotedKey = m[1] !== '';
        let start = regex.lastIndex;
        // `user:password` and `host:port` have no gap after the colon; JSON keys are quoted.
        if (!quotedKey && !/[ \t"']/.test(text.charAt(start))) continue;
        if (!isSecretName(m[2] ?? '', 'key')) continue;
        while (text.charAt(start) === ' ' || text.charAt(start) === '\t') start++;
        const [s, e] = valueRange(text, start, quotedKey ? JSON_STOP : LINE_STOP);
        AUTH_SCHEME.lastIndex = s;
        const from = AUTH_SCHEME.test(text) && AUTH_SCHEME.lastIndex < e ? AUTH_SCHEME.lastIndex : s;
        if (e > from) emit(from, e);
      }
    },
  };
}

/** Keeps `Basic`/`Bearer` visible in `Authorization: Basic <secret>`. */
const AUTH_SCHEME = /(?:basic|bearer|token|digest|negotiate|ntlm)[ \t]+/iy;

const ASSIGNMENT_STOP = /[\s;&"']/;
const DSN_STOP = /[;\r\n]/;
const JSON_STOP = /[\s,}\]]/;
const LINE_STOP = /[\r\n]/;

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
  let end = start;
  while (end < text.length && !stop.test(text.charAt(end))) end++;
  while (end > start && /[ \t]/.test(text.charAt(end - 1))) end--;
  return [start, end];
}

const MAX_QUOTE_DEPTH = 4;

/**
 * Secret options in shell text such as `sh -c "mysql -uroot -psecret db"`. A word that is one quoted
 * string (`'mysql --password=x'`) is also scanned as shell text of its own, down to a few levels of
 * quoting: hostile text made of nested quotes must not recurse once per character.
 */
function commandTextDetector(programs: ProgramFlags): Detector {
  const wordRegex = /(?:[^\s"']|"[^"]*"?|'[^']*'?)+/g;
  const find = (text: string, emit: EmitSpan, depth = 0): void => {
    const words: string[] = [];
    const offsets: number[] = [];
    wordRegex.lastIndex = 0;
    for (let m = wordRegex.exec(text); m !== null; m = wordRegex.exec(text)) {
      words.push(m[0]);
      offsets.push(m.index);
    }
    const first = words[0];
    const flags = first === undefined ? undefined : programs.get(programName(first));
    scanCommandWords(words, flags, programs, (i, s, e) => emit((offsets[i] ?? 0) + s, (offsets[i] ?? 0) + e));
    words.forEach((word, i) => {
      if (depth >= MAX_QUOTE_DEPTH || word.length < 2 || !isQuote(word.charAt(0))) return;
      if (!word.endsWith(word.charAt(0))) return;
      const base = (offsets[i] ?? 0) + 1;
      find(word.slice(1, -1), (s, e) => emit(base + s, base + e), depth + 1);
    });
  };
  return { name: SECRET_FLAG_RULE, find: (text, emit) => find(text, emit) };
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
    ),
    regexDetector('jwt', /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/),
    regexDetector('github-token', /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/),
    regexDetector('gitlab-token', /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/),
    regexDetector('slack-token', /(?<![A-Za-z0-9-])xox[abeoprs]-[A-Za-z0-9-]{10,}/),
    regexDetector('aws-access-key-id', /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/),
    regexDetector('gcp-api-key', /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/),
    regexDetector('bearer-token', /(?<![A-Za-z0-9])bearer[ \t]+([A-Za-z0-9._~+\/=-]{8,})/i, 1),
    // Only the password of scheme://user:password@host; the greedy class reaches the last `@`.
    regexDetector('url-credentials', /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s\/?#@:]*:([^\s\/?#]*)@/, 1),
    commandTextDetector(programs),
    fieldDetector(),
    assignmentDetector(),
  ];
}

/**
 * A cheap test that a string might hold something a built-in rule finds; strings that fail it skip
 * the detectors. It must stay a superset of every built-in trigger: the words `isSecretName` looks
 * for, every token prefix above, and the program names whose options are secret.
 */
export function buildTrigger(programs: ProgramFlags): RegExp {
  const words = ['pass', 'pwd', 'secret', 'token', 'key', 'auth', 'sig', ':\\/\\/', 'akia', 'asia', 'aiza'];
  const tokens = ['gh[pousr]_', 'github_pat_', 'glpat-', 'xox', 'eyj', 'bearer'];
  const names = [...programs.keys()].map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp([...words, ...tokens, ...names].join('|'), 'i');
}
