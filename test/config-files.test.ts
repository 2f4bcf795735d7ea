// Every pipeline file the project ships (pipelines/ and config/, *.yaml and *.yml) must pass
// `ebpipe validate` against the real component registry, in this process's environment: a
// shipped file that needs a variable must give it a default. Needs no root and no service.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { componentRegistry } from '../src/components/registry.js';
import { ConfigError } from '../src/config/config-error.js';
import { loadPipelineConfig } from '../src/config/pipeline-config.js';
import { projectRoot } from '../src/common/paths.js';

const DIRECTORIES = ['pipelines', 'config'];
/** TracingPolicy files, not pipelines: src/cli/policy.test.ts checks them with `ebpipe policy check`. */
const POLICIES = join(projectRoot, 'config', 'policies');

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && e.parentPath !== POLICIES)
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** Loads `file`; fails with every error of the file in the message. */
function assertValid(file: string): void {
  try {
    loadPipelineConfig(file, componentRegistry, process.env);
  } catch (err) {
    if (err instanceof ConfigError) assert.fail(err.message);
    throw err;
  }
}

describe('shipped pipeline files are valid', () => {
  for (const dir of DIRECTORIES) {
    for (const file of yamlFiles(join(projectRoot, dir))) {
      it(relative(projectRoot, file), () => assertValid(file));
    }
  }

  it('the check itself fails on an invalid file', () => {
    const broken = join(projectRoot, 'test', 'fixtures', 'config', 'bad', 'yaml-tabs.yaml');
    assert.throws(() => assertValid(broken), /yaml-tabs\.yaml:4:1: tabs are not allowed as indentation/);
  });
});
