// The pipeline file loader against the real component registry: the fixtures of
// test/fixtures/config (every error with its position, the warnings), env expansion, settings.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../src/common/paths.js';
import { componentRegistry } from '../src/components/registry.js';
import { ConfigError, formatIssue, type ConfigIssue } from '../src/config/config-error.js';
import { loadPipelineConfig, parsePipelineConfig, type PipelineConfig } from '../src/config/pipeline-config.js';
import { consoleExporter } from '../src/exporters/console/console-exporter.js';

const FIXTURES = join(projectRoot, 'test', 'fixtures', 'config');
/** The only variable the fixtures may see: their `# expect:` lines rely on it. */
const FIXTURE_ENV = { EBPIPE_DIR: '/var/lib/ebpipe' };

/** The fixture's `# <tag>: line:col: path: message` comments. */
function expectedLines(text: string, tag: string): string[] {
  const prefix = `# ${tag}: `;
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

/** An issue as the fixtures write it: formatted, without the file name. */
function located(issue: ConfigIssue): string {
  return formatIssue(issue).slice(issue.file.length + 1);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

const parse = (text: string, env: NodeJS.ProcessEnv = {}): PipelineConfig =>
  parsePipelineConfig(text, 'pipeline.yaml', componentRegistry, env);

/** Each error as `line:col: path: message`, for a file given inline. */
const errorsOf = (text: string, env: NodeJS.ProcessEnv = {}): string[] =>
  configError(() => parse(text, env)).errors.map(located);

/** The replay receiver's defaults. */
const REPLAY_DEFAULTS = { rate: 0, loop: 1, max_in_flight: 4 };

const PIPELINE = `
service:
  pipelines:
    logs: { receivers: [replay], exporters: [console] }
`;

describe('bad fixtures report every error with its position', () => {
  const dir = join(FIXTURES, 'bad');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(name, () => {
      const file = join(dir, name);
      const expected = expectedLines(readFileSync(file, 'utf8'), 'expect');
      assert.ok(expected.length > 0, `${name} has no "# expect:" lines`);
      const err = configError(() => loadPipelineConfig(file, componentRegistry, FIXTURE_ENV));
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.deepEqual(err.errors.map(located), expected);
      for (const e of err.errors) assert.equal(e.file, file);
    });
  }
});

describe('good fixtures load', () => {
  const dir = join(FIXTURES, 'good');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(`${name}, with exactly the warnings it declares`, () => {
      const file = join(dir, name);
      const config = loadPipelineConfig(file, componentRegistry, FIXTURE_ENV);
      assert.deepEqual(config.warnings.map(located), expectedLines(readFileSync(file, 'utf8'), 'expect-warning'));
    });
  }

  it('full.yaml: settings parsed, defaults applied, env expanded, aliases followed', () => {
    const config = loadPipelineConfig(join(dir, 'full.yaml'), componentRegistry, FIXTURE_ENV);
    assert.deepEqual(config.receivers.get('ebpf')?.settings, {
      sensors: ['process', 'file'],
      ring_buffer: { size: 16 * 2 ** 20, batch_size: 256 * 2 ** 10, batch_timeout: 50, max_in_flight: 8 },
    });
    const replay = config.receivers.get('replay/test');
    assert.equal(replay?.type, 'replay');
    assert.equal(replay?.name, 'test');
    assert.deepEqual(replay?.settings, { path: '/var/lib/ebpipe/capture.bin', ...REPLAY_DEFAULTS, rate: 1.5 });
    assert.deepEqual(config.processors.get('decode')?.settings, {});
    assert.deepEqual(config.processors.get('redact/unused')?.settings, {
      action: 'hash',
      hash_key: '${not-expanded}-0123456789',
    });
    const file = config.exporters.get('file')?.settings as Record<string, unknown>;
    // The default "0042" is typed as a number by YAML's rules, then kept as the string the schema wants.
    assert.equal(file['path'], '0042');
    assert.deepEqual(file['rotation'], { max_megabytes: 100, max_backups: 7, localtime: false });
    assert.equal(file['flush_interval'], 1000);
    const queue = {
      enabled: true,
      queue_size: 500,
      num_consumers: 1,
      block_on_overflow: false,
      batch: { min_size: 0, max_size: 8192, flush_timeout: 200 },
    };
    assert.deepEqual(file['sending_queue'], queue);
    assert.deepEqual((config.exporters.get('file/copy')?.settings as Record<string, unknown>)['sending_queue'], queue);
    assert.equal(config.connectors.get('routing/by_user')?.factory.kind, 'connector');
    assert.deepEqual([...config.pipelines.keys()], ['logs', 'logs/root', 'logs/others']);
    assert.deepEqual(config.pipelines.get('logs/others'), {
      receivers: ['routing/by_user'],
      processors: [],
      exporters: ['file', 'file/copy'],
    });
    assert.deepEqual(config.telemetry, {
      logs: { level: 'warn' },
      metrics: { address: '127.0.0.1:9464' },
      resource: {},
    });
    assert.equal(config.baseDir, dir);
  });
});

describe('ConfigError', () => {
  it('lists every error in its message, one per line, and structured', () => {
    const err = configError(() =>
      parse(`receivers:\n  replay: { path: 5, rate: -1 }\nexporters:\n  console:\n${PIPELINE}`),
    );
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.deepEqual(err.errors, [
      {
        file: 'pipeline.yaml',
        line: 2,
        column: 19,
        path: 'receivers.replay.path',
        message: 'expected a non-empty string, got 5',
      },
      {
        file: 'pipeline.yaml',
        line: 2,
        column: 28,
        path: 'receivers.replay.rate',
        message: 'expected a non-negative number, got -1',
      },
    ]);
    assert.equal(
      err.message,
      [
        'invalid pipeline config pipeline.yaml (2 errors):',
        '  pipeline.yaml:2:19: receivers.replay.path: expected a non-empty string, got 5',
        '  pipeline.yaml:2:28: receivers.replay.rate: expected a non-negative number, got -1',
      ].join('\n'),
    );
  });

  it('names the file when it cannot be read', () => {
    const err = configError(() => loadPipelineConfig('/nonexistent/pipeline.yaml', componentRegistry, {}));
    assert.deepEqual(err.errors.map(formatIssue), ['/nonexistent/pipeline.yaml: reading the file: no such file']);
  });

  it('rejects a file with several YAML documents', () => {
    assert.deepEqual(errorsOf(`receivers: {}\n---\nexporters: {}\n`), [
      '2:1: source contains multiple documents (one pipeline per file)',
    ]);
  });
});

describe('env expansion in the loader', () => {
  const replay = (line: string, env: NodeJS.ProcessEnv) =>
    parse(`receivers:\n  replay:\n${line}\nexporters:\n  console:\n${PIPELINE}`, env).receivers.get('replay')?.settings;

  it('types a plain whole-value reference the way YAML would type the text', () => {
    assert.deepEqual(
      replay('    path: ${env:P}\n    rate: ${env:S}\n    loop: ${env:L}', { P: '/x', S: '2.5', L: '3' }),
      {
        path: '/x',
        rate: 2.5,
        loop: 3,
        max_in_flight: 4,
      },
    );
    const console = parse(
      `receivers:\n  replay: { path: x }\nexporters:\n  console:\n    sending_queue:\n      block_on_overflow: \${env:B}\n${PIPELINE}`,
      { B: 'false' },
    ).exporters.get('console')?.settings as { sending_queue: { block_on_overflow: unknown } };
    assert.equal(console.sending_queue.block_on_overflow, false);
  });

  it('keeps the string where the schema wants one, and never types a quoted or partial value', () => {
    assert.deepEqual(replay('    path: ${env:P}', { P: '0123' }), { path: '0123', ...REPLAY_DEFAULTS });
    assert.deepEqual(replay('    path: ${env:P}/${env:P}', { P: '1' }), { path: '1/1', ...REPLAY_DEFAULTS });
    assert.deepEqual(
      errorsOf(`receivers:\n  replay: { path: x, rate: "\${env:S}" }\nexporters:\n  console:\n${PIPELINE}`, {
        S: '2',
      }),
      ['2:28: receivers.replay.rate: expected a non-negative number, got "2"'],
    );
  });

  it('uses the default when the variable is unset or empty, and the value when it is set', () => {
    const path = (env: NodeJS.ProcessEnv) => (replay('    path: ${env:P:-/default}', env) as { path: string }).path;
    assert.equal(path({}), '/default');
    assert.equal(path({ P: '' }), '/default');
    assert.equal(path({ P: '/set' }), '/set');
  });

  it('unescapes $$ and leaves $${...} unexpanded', () => {
    const path = (replay('    path: $${env:P} costs $$5 and $x', { P: 'no' }) as { path: string }).path;
    assert.equal(path, '${env:P} costs $5 and $x');
  });

  it('reports an unset variable once, without a follow-on schema error for the empty value', () => {
    assert.deepEqual(
      errorsOf(`receivers:\n  replay:\n    path: \${env:CAPTURE}\nexporters:\n  console:\n${PIPELINE}`),
      [
        '3:11: receivers.replay.path: environment variable CAPTURE is not set (give a default with ${env:CAPTURE:-default})',
      ],
    );
  });

  it('expands before validation, so an expanded value is checked by the schema', () => {
    assert.deepEqual(
      errorsOf(`receivers:\n  replay:\n    path: x\n    rate: \${env:S}\nexporters:\n  console:\n${PIPELINE}`, {
        S: 'fast',
      }),
      ['4:11: receivers.replay.rate: expected a non-negative number, got "fast"'],
    );
  });

  it('says to quote a reference written unquoted inside a flow mapping', () => {
    const [first] = errorsOf(`receivers:\n  replay: { path: x, rate: \${env:S} }\n${PIPELINE}`, { S: '1' });
    assert.match(
      first ?? '',
      /^2:29: receivers\.replay\.rate: .*\(quote a value holding \$\{\.\.\.\} inside \{ \} or \[ \]\)/,
    );
  });
});

describe('component settings', () => {
  it('treats a component with nothing after its colon as empty settings, with defaults applied', () => {
    const config = parse(`receivers:\n  replay: { path: x }\nexporters:\n  console:\n${PIPELINE}`);
    assert.deepEqual(config.exporters.get('console')?.settings, consoleExporter.settings.parse({}));
    assert.equal((config.exporters.get('console')?.settings as { format: string }).format, 'compact');
    assert.deepEqual(config.telemetry, { logs: { level: 'info' }, resource: {} });
  });

  it('points a refinement of the whole component at its key', () => {
    assert.deepEqual(
      errorsOf(`receivers:\n  replay: { path: x }\nprocessors:\n  filter:\nexporters:\n  console:\n${PIPELINE}`).slice(
        0,
        1,
      ),
      ['4:3: processors.filter: give at least one keep or drop condition'],
    );
  });

  it('origin() gives where a setting text starts, for positions inside it', () => {
    const config = parse(
      [
        'receivers:',
        '  replay: { path: x }',
        'processors:',
        '  filter:',
        '    keep:',
        '      - |',
        '',
        '        kind == "x"',
        '      - "kind == \\"y\\""',
        '      - plain == 1',
        'exporters:',
        '  console:',
        'service:',
        '  pipelines:',
        '    logs: { receivers: [replay], processors: [filter], exporters: [console] }',
      ].join('\n'),
    );
    const filter = config.processors.get('filter');
    assert.ok(filter);
    const at = (path: (string | number)[]) => {
      const o = filter.origin(path);
      return `${o.file}:${o.line}:${o.column}`;
    };
    assert.equal(at(['keep', 0]), 'pipeline.yaml:8:9'); // first content line of the block scalar
    assert.equal(at(['keep', 1]), 'pipeline.yaml:9:10'); // inside the quotes
    assert.equal(at(['keep', 2]), 'pipeline.yaml:10:9');
    assert.equal(at(['keep']), 'pipeline.yaml:5:5'); // a list: its key
    assert.equal(at([]), 'pipeline.yaml:4:3');
    assert.equal(at(['drop', 0]), 'pipeline.yaml:4:3'); // not written: the nearest key that is
  });
});

describe('warnings', () => {
  it('are returned, sorted, and do not make the file invalid', () => {
    const config = parse(
      `receivers:\n  replay: { path: x }\n  replay/spare: { path: y }\nprocessors:\n  decode:\nexporters:\n  console:\n  file: { path: z }\n${PIPELINE}`,
    );
    assert.deepEqual(config.warnings.map(located), [
      '3:3: receivers.replay/spare: defined but not used in any pipeline',
      '5:3: processors.decode: defined but not used in any pipeline',
      '8:3: exporters.file: defined but not used in any pipeline',
    ]);
  });

  it('include unresolved YAML tags', () => {
    const config = parse(`receivers:\n  replay: { path: !custom x }\nexporters:\n  console:\n${PIPELINE}`);
    assert.deepEqual(config.warnings.map(located), ['2:19: receivers.replay.path: unresolved tag: !custom']);
  });
});
