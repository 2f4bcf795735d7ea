import type { UserRule } from './config.js';
import { type Detector, regexDetector } from './detectors.js';
import { RedactConfigError } from './errors.js';

export const RULE_NAME = /^[A-Za-z0-9_.-]+$/;

/** Checks a user rule and turns it into a detector; `field` locates it in the config (`rules[2]`). */
export function compileUserRule(rule: UserRule, field: string): Detector {
  const flags = rule.flags ?? '';
  const fail = (code: string, at: string, why: string): never => {
    throw new RedactConfigError(code, `rule "${rule.name}": ${why}`, `${field}.${at}`);
  };
  if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) {
    fail('BAD_RULE_FLAGS', 'flags', `"${flags}" is not a set of the flags i, m, s, u`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(rule.pattern, flags);
  } catch (err) {
    return fail('BAD_RULE_PATTERN', 'pattern', `invalid regular expression: ${(err as Error).message}`);
  }
  if (regex.test('')) fail('BAD_RULE_PATTERN', 'pattern', 'matches the empty string');
  // An empty alternative makes any pattern match '', which lists its capture groups.
  const probe = new RegExp(`(?:${rule.pattern})|`, flags).exec('');
  const group = rule.group ?? 0;
  if (typeof group === 'number') {
    const count = (probe?.length ?? 1) - 1;
    if (!Number.isInteger(group) || group < 0 || group > count) {
      fail('BAD_RULE_GROUP', 'group', `group ${group} does not exist (the pattern has ${count})`);
    }
  } else if (probe?.groups === undefined || !(group in probe.groups)) {
    fail('BAD_RULE_GROUP', 'group', `the pattern has no group named "${group}"`);
  }
  return regexDetector(rule.name, regex, { group });
}
