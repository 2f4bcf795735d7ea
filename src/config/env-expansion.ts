// `${env:NAME}` and `${env:NAME:-default}` in configuration strings, with the OpenTelemetry
// Collector's escaping: `$$` stands for one `$`, so `$${env:X}` is the literal text `${env:X}`.
// Any other `${...}` is an error rather than left as is: a typo such as `${ENV:X}` or a
// missing `env:` would otherwise reach a component as a literal string.

export interface ExpansionError {
  /** Offset of the offending `${` in the input string. */
  offset: number;
  /** The reference as written, e.g. `${env:TOKEN}`. */
  text: string;
  message: string;
}

export interface Expansion {
  value: string;
  /** True when the input was exactly one reference: such a value may then be typed like YAML would type it. */
  whole: boolean;
  errors: ExpansionError[];
}

const REFERENCE = /^env:([^:}]*)(?::-(.*))?$/s;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Expands every reference in `input`. An unset variable without a default is an error; a default
 * applies when the variable is unset or empty, as `:-` does in the shell.
 */
export function expandEnv(input: string, env: NodeJS.ProcessEnv): Expansion {
  if (!input.includes('$')) return { value: input, whole: false, errors: [] };
  const errors: ExpansionError[] = [];
  let out = '';
  let references = 0;
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    const next = input[i + 1];
    if (c !== '$' || (next !== '$' && next !== '{')) {
      out += c;
      i++;
      continue;
    }
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    const close = input.indexOf('}', i + 2);
    if (close < 0) {
      const text = input.slice(i);
      errors.push({ offset: i, text, message: `unclosed reference "${text}": expected a closing "}"` });
      break;
    }
    const text = input.slice(i, close + 1);
    references++;
    out += resolve(text, i, env, errors);
    i = close + 1;
  }
  const whole =
    references === 1 && errors.length === 0 && input.startsWith('${') && input.indexOf('}') === input.length - 1;
  return { value: out, whole, errors };
}

function resolve(text: string, offset: number, env: NodeJS.ProcessEnv, errors: ExpansionError[]): string {
  const match = REFERENCE.exec(text.slice(2, -1));
  if (!match) {
    errors.push({
      offset,
      text,
      message: `invalid reference "${text}": expected \${env:NAME} or \${env:NAME:-default} (write $\${ for a literal "\${")`,
    });
    return '';
  }
  const name = match[1] ?? '';
  const fallback = match[2];
  if (!NAME.test(name)) {
    errors.push({ offset, text, message: `invalid environment variable name "${name}" in "${text}"` });
    return '';
  }
  const value = env[name];
  if (value !== undefined && (value !== '' || fallback === undefined)) return value;
  if (fallback !== undefined) return fallback;
  errors.push({
    offset,
    text,
    message: `environment variable ${name} is not set (give a default with \${env:${name}:-default})`,
  });
  return '';
}
