// Compiles a list of condition strings from a pipeline file, with errors pointing at the
// line and column of the condition inside the file.
import type { ComponentContext } from '../../pipeline/component.js';
import { compileCondition } from './compile.js';
import type { Condition } from './operators.js';
import { EVENT_FIELDS } from '../../events/fields.js';

export function compileConditions(
  sources: readonly string[],
  ctx: ComponentContext,
  key: readonly (string | number)[],
): Condition[] {
  return sources.map((source, i) => {
    const origin = ctx.origin([...key, i]);
    return compileCondition(source, { knownFields: EVENT_FIELDS, origin });
  });
}
