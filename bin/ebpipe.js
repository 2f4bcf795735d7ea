#!/usr/bin/env node
// The command line's JavaScript entry. bin/ebpipe runs it on ebpipe's Node.js (scripts/node.sh);
// started by another node, it says which one it needs before anything loads the addon.
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = Number(/>=\s*(\d+)/.exec(engines.node)?.[1]);
if (!(Number(process.versions.node.split('.')[0]) >= needed)) {
  process.stderr.write(
    `ebpipe: needs Node.js ${needed} or newer, this is ${process.version} (${process.execPath}): ` +
      'run bin/ebpipe, which picks it (scripts/setup.sh installs it)\n',
  );
  process.exit(1);
}
await import('../dist/src/cli/main.js');
