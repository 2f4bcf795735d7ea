// MAPPING.md, rendered from the mapping itself (ocsf-kinds.ts, ocsf-unfilled.ts): `make generate`
// writes it and a test fails when the committed file differs.
import { EVENT_KINDS } from '../otel/event-attributes.js';
import { OCSF_CLASSES, OCSF_VERSION } from './ocsf-classes.js';
import { KINDS } from './ocsf-kinds.js';
import { UNFILLED } from './ocsf-unfilled.js';

/** Where each base field comes from, in the order events carry them. */
const BASE_FIELDS: readonly (readonly [field: string, from: string])[] = [
  ['`class_uid`, `class_name`, `category_uid`, `category_name`', 'the class of the kind (table below)'],
  ['`activity_id`, `activity_name`', 'the activity of the kind; 99 (Other) names its own activity'],
  ['`type_uid`, `type_name`', '`class_uid` * 100 + `activity_id`; "Class: Activity"'],
  [
    '`severity_id`, `severity`',
    "the record's severity: INFO 1 Informational, WARN 3 Medium, ERROR 4 High, FATAL 5 Critical",
  ],
  ['`time`', "the record's Timestamp (the kernel's time of the event), ms since the epoch; `timezone_offset` 0 (UTC)"],
  ['`message`', "the record's Body"],
  [
    '`metadata`',
    '`version` (the OCSF release), `product` (ebpipe, its version), `uid` (`<boot id>-<cpu>-<seq>`: unique on the host, the same on a retry), `event_code` (the kind), `log_name` (its sensor), `sequence`, `logged_time`, `processed_time` (when user space read it), `reporter` (the agent instance), `profiles`',
  ],
  [
    '`device`',
    'the resource: `hostname`/`name` (host.name), `uid` (host.id), `hw_info` (host.arch), `os` (Linux, os.version as `kernel_release`)',
  ],
  [
    '`actor`',
    'the process that acted (pid, exec id as `uid`, a name-based UUID of it as `cpid`, executable, argv as `cmd_line`, working directory, thread id, container) with its `parent_process` and `user` (the real uid and its passwd name)',
  ],
  [
    '`status_id`, `status`, `status_code`, `status_detail`',
    "the system call's outcome: Success, or Failure with the errno name and `<call> returned <result>`",
  ],
  [
    '`observables`',
    'host name, user names, process names, command line, file names and paths, addresses and ports found in the event',
  ],
  [
    '`unmapped`',
    "every record attribute no OCSF field took, under the record's name (`ebpipe.namespace.mnt`, `k8s.pod.name`), and resource attributes other than the host's as `resource.<key>`",
  ],
];

const cell = (text: string): string => text.replaceAll('|', '\\|');

export function renderOcsfMapping(): string {
  const lines = [
    '# Events as OCSF',
    '',
    '<!-- Rendered from src/exporters/ocsf/ by `make generate`; a test fails when this file differs. -->',
    '',
    `Exporters that write OCSF (\`file\` with \`format: ocsf_json\`, \`awss3\` with \`marshaler: ocsf_json\` or \`ocsf_parquet\`)`,
    `map each event's OpenTelemetry log record (\`src/exporters/otel/MAPPING.md\`) to one event of OCSF ${OCSF_VERSION}`,
    '(`ocsfEventOf(record)` and `ocsfJsonLine(record)` in `ocsf-mapper.ts`). Every event applies the `host` profile,',
    '`container` when its process runs in one, and findings `security_control`. `ocsf-mapper.test.ts` checks every',
    "kind's sample events against the schema compiled by the OCSF project's compiler (`testdata/ocsf-schema.json`,",
    '`scripts/ocsf/schema.sh`): attributes and types, enum values, every required attribute, and every recommended one',
    'that is not listed at the end of this page.',
    '',
    '## Base fields',
    '',
    '| field | from |',
    '|---|---|',
    ...BASE_FIELDS.map(([field, from]) => `| ${field} | ${cell(from)} |`),
    '',
    '## Classes and activities by kind',
    '',
    '| kind | OCSF class | activities |',
    '|---|---|---|',
    ...EVENT_KINDS.map((kind) => {
      const { ocsfClass, activities } = KINDS[kind];
      return `| \`${kind}\` | ${ocsfClass.caption} (${ocsfClass.uid}) | ${cell(activities)} |`;
    }),
    '',
    '## Recommended attributes left out',
    '',
    '| attributes | in | why |',
    '|---|---|---|',
    ...UNFILLED.map((u) => {
      const classes = u.classes ? u.classes.map((c) => c.uid).join(', ') : 'all';
      return `| ${u.paths.map((p) => `\`${p}\``).join(', ')} | ${classes} | ${cell(u.why)} |`;
    }),
    '',
    `Classes: ${OCSF_CLASSES.map((c) => `${c.uid} ${c.caption}`).join(', ')}.`,
  ];
  return `${lines.join('\n')}\n`;
}
