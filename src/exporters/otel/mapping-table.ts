// MAPPING.md, rendered from the mapping itself (event-attributes.ts, event-record.ts, resource.ts):
// `make generate` writes it and a test fails when the committed file differs.
import type { EventKind } from '../../events/model.js';
import { ATTRIBUTES_BY_KIND, EVENT_KINDS } from './event-attributes.js';

/** Which kinds can carry which severity (event-record.ts severityOf). */
const SEVERITIES: Partial<Record<EventKind, string>> = {
  'policy.match': 'WARN; ERROR when enforced (sigkill, signal, override)',
  'policy.audit': 'INFO; WARN when rejected',
  'credentials.change': 'INFO; WARN when it raised privilege',
  'module.load': 'INFO; WARN when it loaded',
};

const convention = (name: string): string => (name.startsWith('ebpipe.') ? 'ebpipe' : 'semconv');

export function renderMappingTable(): string {
  const lines = [
    '# Events as OpenTelemetry log records',
    '',
    '<!-- Rendered from src/exporters/otel/ by `make generate`; a test fails when this file differs. -->',
    '',
    'Every exporter maps from one log record per event (`src/exporters/otel/log-record.ts`):',
    '',
    "- **Timestamp**: the kernel's boot-clock time of the record, as wall-clock time; **ObservedTimestamp**: when user space read it.",
    '- **EventName**: the event kind below; **Body**: one line for people; **SeverityNumber/SeverityText**: INFO unless said below.',
    '- **Resource**: `service.name` (ebpipe), `service.version`, `service.instance.id` (new each run), `host.name`, `host.id`',
    '  (/etc/machine-id), `host.arch`, `os.type`, `os.version` (kernel release), plus `service.telemetry.resource` of the pipeline file.',
    '- **Scope**: `ebpipe` and its version.',
    '',
    "Attribute names are the OpenTelemetry semantic conventions' where one means the same (`semconv`: checked against",
    'the registry by a test) and `ebpipe.*` otherwise. A record carries an attribute only when it has a value; flags only when true.',
    'The ClickHouse `otel_logs` row stores every value as text (numbers and bools as written, arrays as JSON).',
  ];
  for (const kind of EVENT_KINDS) {
    lines.push('', `## \`${kind}\``, '', `Severity: ${SEVERITIES[kind] ?? 'INFO'}.`, '');
    lines.push('| attribute | type | names from | what it holds |', '|---|---|---|---|');
    for (const f of ATTRIBUTES_BY_KIND.get(kind)!) {
      lines.push(`| \`${f.name}\` | ${f.type} | ${convention(f.name)} | ${f.brief.replaceAll('|', '\\|')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
