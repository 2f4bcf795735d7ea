// Loads a pipeline file: YAML with positions, env expansion, the file's shape, every
// component's settings against its factory's schema, then the pipeline graph. Every problem in
// the file is collected and thrown together as one ConfigError.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type {
  ComponentFactory,
  ComponentKind,
  ComponentRegistry,
  ConfigOrigin,
  ConnectorFactory,
  ExporterFactory,
  ProcessorFactory,
  ReceiverFactory,
} from '../pipeline/component.js';
import { suggestField } from '../common/suggest.js';
import { parseComponentId } from './component-id.js';
import { ConfigError, type ConfigIssue, type ConfigPath } from './config-error.js';
import { documentValues, pathKey } from './document-values.js';
import { checkGraph, type PipelineDefinition } from './graph.js';
import {
  pipelineSchema,
  SECTIONS,
  sectionSchema,
  serviceSchema,
  topLevelSchema,
  type Section,
  type TelemetryConfig,
} from './service-schema.js';
import { SourceDocument } from './source-document.js';
import { validateValue, type Validation } from './validate-value.js';

export interface ComponentConfig<F extends ComponentFactory = ComponentFactory> {
  /** `type` or `type/name`, as written. */
  id: string;
  type: string;
  name: string | undefined;
  factory: F;
  /** The factory's schema output: defaults applied, units parsed. */
  settings: unknown;
  /**
   * Where the setting at `path` (relative to this component's settings) was written: the start of
   * its text for a scalar (inside quotes, on the first line of a block scalar), else its key.
   */
  origin(path: ConfigPath): ConfigOrigin;
}

export interface PipelineConfig {
  file: string;
  /** What relative paths in settings are resolved against: the file's directory. */
  baseDir: string;
  receivers: Map<string, ComponentConfig<ReceiverFactory>>;
  processors: Map<string, ComponentConfig<ProcessorFactory>>;
  exporters: Map<string, ComponentConfig<ExporterFactory>>;
  connectors: Map<string, ComponentConfig<ConnectorFactory>>;
  pipelines: Map<string, PipelineDefinition>;
  telemetry: TelemetryConfig;
  /** Things that work but look unintended (unused components, unresolved YAML tags). */
  warnings: ConfigIssue[];
}

interface FactoryByKind {
  receiver: ReceiverFactory;
  processor: ProcessorFactory;
  exporter: ExporterFactory;
  connector: ConnectorFactory;
}

const KIND_OF: Readonly<Record<Section, ComponentKind>> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
};

export function loadPipelineConfig(
  file: string,
  registry: ComponentRegistry,
  env: NodeJS.ProcessEnv = process.env,
): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new ConfigError(file, [{ file, line: 0, column: 0, path: '', message: `reading the file: ${reason}` }]);
  }
  return parsePipelineConfig(text, file, registry, env);
}

export function parsePipelineConfig(
  text: string,
  file: string,
  registry: ComponentRegistry,
  env: NodeJS.ProcessEnv = process.env,
): PipelineConfig {
  const doc = new SourceDocument(file, text);
  const errors: ConfigIssue[] = [...doc.syntaxIssues];
  if (errors.length > 0) throw new ConfigError(file, sortIssues(errors));

  const values = documentValues(doc, env);
  errors.push(...values.issues);
  const root = values.root;
  if (!isMapping(root)) {
    const what = root === null ? 'the file is empty' : 'the file is not a mapping';
    errors.push(doc.issue([], 'value', `${what}: expected receivers, exporters and service.pipelines`));
    throw new ConfigError(file, sortIssues(errors));
  }

  const check = <T>(validation: Validation<T>, base: ConfigPath): T | undefined => {
    if (validation.ok) return validation.data;
    for (const p of validation.problems) {
      if (belowFailed([...base, ...p.path], values.failed)) continue;
      errors.push(doc.issueFor(p, base));
    }
    return undefined;
  };

  check(validateValue(topLevelSchema, root, [], values.envTyped), []);

  const config: PipelineConfig = {
    file,
    baseDir: dirname(resolve(file)),
    receivers: new Map(),
    processors: new Map(),
    exporters: new Map(),
    connectors: new Map(),
    pipelines: new Map(),
    telemetry: { logs: { level: 'info' }, resource: {} },
    warnings: [...doc.warnings],
  };
  const defined = {} as Record<Section, Set<string>>;

  const component = <K extends ComponentKind>(
    kind: K,
    section: Section,
    id: string,
    raw: unknown,
  ): ComponentConfig<FactoryByKind[K]> | undefined => {
    const path = [section, id];
    const parsed = parseComponentId(id);
    if (typeof parsed === 'string') {
      errors.push(doc.issue(path, 'key', parsed));
      return undefined;
    }
    const factory = registry.get(kind, parsed.type) as FactoryByKind[K] | undefined;
    if (factory === undefined) {
      errors.push(doc.issue(path, 'key', unknownType(kind, parsed.type, registry.types(kind))));
      return undefined;
    }
    // `decode:` with nothing after it means default settings.
    const settings = check(validateValue(factory.settings, raw ?? {}, path, values.envTyped), path);
    if (settings === undefined) return undefined;
    return {
      id,
      type: parsed.type,
      name: parsed.name,
      factory,
      settings,
      origin: (p) => doc.contentOrigin([...path, ...p]),
    };
  };

  for (const section of SECTIONS) {
    defined[section] = new Set();
    const entries = check(validateValue(sectionSchema, root[section], [section], values.envTyped), [section]);
    for (const [id, raw] of Object.entries(entries ?? {})) {
      defined[section].add(id);
      const kind = KIND_OF[section];
      const built = component(kind, section, id, raw);
      if (built) (config[section] as Map<string, ComponentConfig>).set(id, built);
    }
  }

  // A missing service is reported by the top-level check.
  const service =
    root['service'] === undefined
      ? undefined
      : check(validateValue(serviceSchema, root['service'], ['service'], values.envTyped), ['service']);
  if (service) config.telemetry = service.telemetry;
  // The graph is checked even when some pipelines are malformed (their errors are already
  // reported), so that one bad pipeline does not hide every reference error in the others.
  const wiring = pipelineWiring(root['service'], values.envTyped);
  if (wiring) {
    config.pipelines = wiring.pipelines;
    const graph = checkGraph(defined, wiring.pipelines, wiring.malformed);
    for (const p of graph.errors) errors.push(doc.issueFor(p));
    for (const p of graph.warnings) config.warnings.push(doc.issueFor(p));
  }

  if (errors.length > 0) throw new ConfigError(file, sortIssues(errors));
  config.warnings = sortIssues(config.warnings);
  return config;
}

function belowFailed(path: ConfigPath, failed: ReadonlySet<string>): boolean {
  for (let i = path.length; i >= 0 && failed.size > 0; i--) if (failed.has(pathKey(path.slice(0, i)))) return true;
  return false;
}

/** Each pipeline's lists; a malformed pipeline contributes the ids it does list. */
function pipelineWiring(service: unknown, envTyped: ReadonlyMap<string, string>) {
  if (!isMapping(service) || !isMapping(service['pipelines'])) return undefined;
  const pipelines = new Map<string, PipelineDefinition>();
  const malformed = new Set<string>();
  for (const [id, raw] of Object.entries(service['pipelines'])) {
    const parsed = validateValue(pipelineSchema, raw, ['service', 'pipelines', id], envTyped);
    if (parsed.ok) {
      pipelines.set(id, { ...parsed.data, processors: parsed.data.processors ?? [] });
      continue;
    }
    malformed.add(id);
    const lists = isMapping(raw) ? raw : {};
    const ids = (list: unknown): string[] =>
      Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    pipelines.set(id, {
      receivers: ids(lists['receivers']),
      processors: ids(lists['processors']),
      exporters: ids(lists['exporters']),
    });
  }
  return { pipelines, malformed };
}

function unknownType(kind: ComponentKind, type: string, known: readonly string[]): string {
  if (known.length === 0) return `unknown ${kind} type "${type}" (no ${kind} types are available)`;
  const suggestion = suggestField(type, known);
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  return `unknown ${kind} type "${type}"${hint}; known types: ${[...known].sort().join(', ')}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
