// ebpipe runs on Node.js 24: the launcher picks it from any directory and through a symlink,
// and an older node is turned away with the reason before it loads the native addon.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nativeAddonPath, projectRoot } from '../src/common/paths.js';

const launcher = join(projectRoot, 'bin', 'ebpipe');

/** A node on this machine older than 24 (Debian's), to run what a user could run by mistake. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/bin/nodejs']) {
    const run = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (run.status === 0 && Number(run.stdout.split('.')[0]) < 24) return candidate;
  }
  return undefined;
}

describe('runtime', () => {
  it('runs on Node.js 24 or newer', () => {
    assert.ok(Number(process.versions.node.split('.')[0]) >= 24, process.version);
    const chosen = spawnSync('bash', [join(projectRoot, 'scripts', 'node.sh')], { encoding: 'utf8' });
    assert.equal(chosen.status, 0, chosen.stderr);
    const version = spawnSync(chosen.stdout.trim(), ['-p', 'process.versions.node'], { encoding: 'utf8' });
    assert.ok(Number(version.stdout.split('.')[0]) >= 24, version.stdout);
  });

  it('bin/ebpipe works through a symlink, from another directory, with an old node first on PATH', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpipe-launcher-'));
    try {
      symlinkSync(launcher, join(dir, 'ebpipe'));
      const old = olderNode();
      const path = [dir, ...(old ? [join(old, '..')] : []), process.env['PATH'] ?? ''].join(':');
      const run = spawnSync('ebpipe', ['validate', join(projectRoot, 'pipelines', 'default.yaml')], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, PATH: path },
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /default\.yaml: ok/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an older node is refused with the reason, by the command line and by the addon', (t) => {
    const old = olderNode();
    if (!old) {
      t.skip('no node older than 24 on this machine to try');
      return;
    }
    const cli = spawnSync(old, [join(projectRoot, 'bin', 'ebpipe.js'), 'doctor'], { encoding: 'utf8' });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /^ebpipe: needs Node\.js 24 or newer, this is v\d+\.[\d.]+ \(.+\): run bin\/ebpipe/);

    const load = `import(${JSON.stringify(join(projectRoot, 'dist', 'src', 'kernel', 'native.js'))})
      .then((m) => m.loadNativeAddon()).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`;
    const addon = spawnSync(old, ['--input-type=module', '-e', load], { encoding: 'utf8' });
    assert.equal(addon.status, 3, addon.stderr);
    assert.ok(
      addon.stderr.includes(`${nativeAddonPath} was built for Node.js ${process.versions.node.split('.')[0]}`),
      addon.stderr,
    );
  });
});
