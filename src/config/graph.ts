// Checks how pipelines wire components together, with the OpenTelemetry Collector's rules:
// every id a pipeline names is defined in a section it may come from, a connector ends at
// least one pipeline and starts at least one other, and connectors never lead back to where
// they started (events would loop forever). Empty lists are the pipeline schema's to report.
import { suggestField } from '../common/suggest.js';
import { pipelineIdProblem } from './component-id.js';
import type { ConfigPath } from './config-error.js';
import type { Section } from './service-schema.js';
import type { Problem } from './source-document.js';

export interface PipelineDefinition {
  receivers: readonly string[];
  /** Run in this order. */
  processors: readonly string[];
  /** Exporter and connector ids. */
  exporters: readonly string[];
}

export interface GraphCheck {
  errors: Problem[];
  warnings: Problem[];
}

type ListName = keyof PipelineDefinition;

/** Where each list's ids may be defined, and what to call an entry of it. */
const LIST_SOURCES: Readonly<Record<ListName, { sections: readonly Section[]; entry: string }>> = {
  receivers: { sections: ['receivers', 'connectors'], entry: 'receiver' },
  processors: { sections: ['processors'], entry: 'processor' },
  exporters: { sections: ['exporters', 'connectors'], entry: 'exporter' },
};

const pipelinePath = (id: string, ...rest: (string | number)[]): ConfigPath => ['service', 'pipelines', id, ...rest];

/**
 * `defined`: the ids written under each section, valid or not (their own errors are reported
 * elsewhere). `malformed`: pipelines that failed their schema, whose lists may be incomplete;
 * while there are any, checks that need every pipeline's lists (connector use, unused
 * components) are left out rather than guessed.
 */
export function checkGraph(
  defined: Readonly<Record<Section, ReadonlySet<string>>>,
  pipelines: ReadonlyMap<string, PipelineDefinition>,
  malformed: ReadonlySet<string> = new Set(),
): GraphCheck {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const used = new Set<string>();

  if (pipelines.size === 0) {
    errors.push({
      path: ['service', 'pipelines'],
      anchor: 'key',
      message: 'no pipelines: define at least one, e.g. logs',
    });
  }
  for (const id of defined.connectors) {
    for (const other of ['receivers', 'exporters'] as const) {
      if (defined[other].has(id)) {
        errors.push({
          path: ['connectors', id],
          anchor: 'key',
          message: `"${id}" is also defined under ${other}: pipelines could not tell which one they name`,
        });
      }
    }
  }

  for (const [pid, pipeline] of pipelines) {
    const idProblem = pipelineIdProblem(pid);
    if (idProblem !== undefined) errors.push({ path: pipelinePath(pid), anchor: 'key', message: idProblem });
    for (const list of ['receivers', 'processors', 'exporters'] as const) {
      checkList(pid, list, pipeline[list], defined, used, errors);
    }
  }

  errors.push(...cycles(defined.connectors, pipelines));
  if (malformed.size > 0) return { errors, warnings };
  for (const id of defined.connectors) checkConnector(id, pipelines, errors, warnings);

  for (const section of ['receivers', 'processors', 'exporters'] as const) {
    for (const id of defined[section]) {
      if (!used.has(`${section}:${id}`)) {
        warnings.push({ path: [section, id], anchor: 'key', message: 'defined but not used in any pipeline' });
      }
    }
  }
  return { errors, warnings };
}

function checkList(
  pid: string,
  list: ListName,
  ids: readonly string[],
  defined: Readonly<Record<Section, ReadonlySet<string>>>,
  used: Set<string>,
  errors: Problem[],
): void {
  const { sections, entry } = LIST_SOURCES[list];
  ids.forEach((id, i) => {
    const path = pipelinePath(pid, list, i);
    if (ids.indexOf(id) < i) {
      errors.push({ path, anchor: 'value', message: `"${id}" is listed twice` });
      return;
    }
    const home = sections.find((s) => defined[s].has(id));
    if (home !== undefined) {
      used.add(`${home}:${id}`);
      return;
    }
    const where = sections.join(' or ');
    const elsewhere = (['receivers', 'processors', 'exporters', 'connectors'] as const).find((s) => defined[s].has(id));
    if (elsewhere !== undefined) {
      errors.push({
        path,
        anchor: 'value',
        message: `"${id}" is defined under ${elsewhere}, but a pipeline's ${list} must come from ${where}`,
      });
      return;
    }
    const suggestion = suggestField(
      id,
      sections.flatMap((s) => [...defined[s]]),
    );
    const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
    errors.push({ path, anchor: 'value', message: `${entry} "${id}" is not defined under ${where}${hint}` });
  });
}

function checkConnector(
  id: string,
  pipelines: ReadonlyMap<string, PipelineDefinition>,
  errors: Problem[],
  warnings: Problem[],
): void {
  const exportingTo = [...pipelines].filter(([, p]) => p.exporters.includes(id)).map(([pid]) => pid);
  const receivingFrom = [...pipelines].filter(([, p]) => p.receivers.includes(id)).map(([pid]) => pid);
  const path = ['connectors', id];
  if (exportingTo.length === 0 && receivingFrom.length === 0) {
    warnings.push({ path, anchor: 'key', message: 'defined but not used in any pipeline' });
  } else if (receivingFrom.length === 0) {
    errors.push({
      path,
      anchor: 'key',
      message: `connector is an exporter of ${exportingTo.join(', ')} but no pipeline has it as a receiver: what it is sent would go nowhere`,
    });
  } else if (exportingTo.length === 0) {
    errors.push({
      path,
      anchor: 'key',
      message: `connector is a receiver of ${receivingFrom.join(', ')} but no pipeline has it as an exporter: it would never receive anything`,
    });
  }
}

interface Edge {
  from: string;
  connector: string;
  /** Index of the connector in `from`'s exporters, for the error's position. */
  index: number;
  to: string;
}

/** One error per distinct cycle that a depth-first walk over pipelines (joined by connectors) meets. */
function cycles(connectors: ReadonlySet<string>, pipelines: ReadonlyMap<string, PipelineDefinition>): Problem[] {
  const edges = new Map<string, Edge[]>();
  for (const [from, p] of pipelines) {
    const out: Edge[] = [];
    p.exporters.forEach((connector, index) => {
      if (!connectors.has(connector)) return;
      for (const [to, q] of pipelines) if (q.receivers.includes(connector)) out.push({ from, connector, index, to });
    });
    edges.set(from, out);
  }

  const problems: Problem[] = [];
  const reported = new Set<string>();
  const state = new Map<string, 'active' | 'done'>();
  const trail: Edge[] = [];

  const visit = (pid: string): void => {
    state.set(pid, 'active');
    for (const edge of edges.get(pid) ?? []) {
      const seen = state.get(edge.to);
      if (seen === 'active') {
        const start = trail.findIndex((e) => e.from === edge.to);
        report(start < 0 ? [edge] : [...trail.slice(start), edge]);
      } else if (seen === undefined) {
        trail.push(edge);
        visit(edge.to);
        trail.pop();
      }
    }
    state.set(pid, 'done');
  };

  const report = (cycle: Edge[]): void => {
    // The same cycle met from another pipeline is reported once: start it at its smallest id.
    const first = cycle.reduce((best, e, i) => (e.from < cycle[best]!.from ? i : best), 0);
    const ordered = [...cycle.slice(first), ...cycle.slice(0, first)];
    const text = [...ordered.flatMap((e) => [e.from, e.connector]), ordered[0]!.from].join(' -> ');
    if (reported.has(text)) return;
    reported.add(text);
    const at = ordered[0]!;
    problems.push({
      path: pipelinePath(at.from, 'exporters', at.index),
      anchor: 'value',
      message: `pipelines form a cycle through connectors: ${text}`,
    });
  };

  for (const pid of pipelines.keys()) if (!state.has(pid)) visit(pid);
  return problems;
}
