// Component ids (`type` or `type/name`) and pipeline ids (`logs` or `logs/name`), as in the
// OpenTelemetry Collector: the type picks the factory, the name tells instances apart.

export interface ComponentId {
  id: string;
  type: string;
  name: string | undefined;
}

const TYPE = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
// Any printable text without spaces; `/` is allowed, the first one ends the type.
const NAME = /^[^\s\p{C}]+$/u;

/** The parsed id, or why it is not one. */
export function parseComponentId(id: string): ComponentId | string {
  const slash = id.indexOf('/');
  const type = slash < 0 ? id : id.slice(0, slash);
  const name = slash < 0 ? undefined : id.slice(slash + 1);
  if (!TYPE.test(type)) {
    return `invalid id "${id}": the type must start with a letter and hold only letters, digits and "_" (write type or type/name)`;
  }
  if (name !== undefined && !NAME.test(name)) {
    return `invalid id "${id}": the name after "/" must be non-empty and without spaces`;
  }
  return { id, type, name };
}

/** Why `id` is not a pipeline id, or undefined when it is one. */
export function pipelineIdProblem(id: string): string | undefined {
  const parsed = parseComponentId(id);
  if (typeof parsed === 'string') return parsed;
  if (parsed.type !== 'logs') {
    return `invalid pipeline id "${id}": pipelines carry log events, so the id must be "logs" or "logs/<name>"`;
  }
  return undefined;
}
