// The layers of the code, lowest first. A file may import its own folder and the folders of
// lower layers: never a higher layer, nor another folder of its own layer (those stay apart).
// Tests beside the code (*.test.ts) may also import src/testing/, the test support.
import { dirname, relative, resolve } from 'node:path';

export const LAYERS = [
  ['src/common'], // helpers that know nothing of ebpipe: units, paths, suggestions, the error base
  ['src/telemetry'], // logs and counters
  ['src/events'], // the ABI, its codec, the decoder, the typed events
  ['src/capture', 'src/kernel'], // capture files; the kernel side (native addon, sensors)
  ['src/pipeline'], // the contracts of components, channels, queues, the runtime
  ['src/config', 'src/containers', 'src/store'], // pipeline files; cgroups and Kubernetes pods; the ClickHouse store
  ['src/processes'], // the process table and identity
  ['src/processors', 'src/exporters'], // the components, by role
  ['src/connectors', 'src/policy'],
  ['src/receivers'],
  ['src/components'], // the registry of every component type
  ['src/agent'],
  ['src/cli'],
  ['src/testing'], // test support: synthetic events and captures, fakes of what cannot run here
  ['scripts'],
  ['bench', 'test'],
];


const root = resolve(import.meta.dirname, '..');

function folderOf(file) {
  return LAYERS.flat()
    .filter((folder) => file === folder || file.startsWith(`${folder}/`))
    .sort((a, b) => b.length - a.length)[0];
}

function layerOf(folder) {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the layers of eslint/layers.js' },
    schema: [],
    messages: {
      unplaced: '{{file}} is in no layer: add its folder to eslint/layers.js',
      upward:
        '{{folder}} (layer {{from}}) must not import {{target}} (layer {{to}}): a lower layer never imports a higher one',
      sideways: '{{folder}} must not import {{target}}: folders of one layer stay apart',
    },
  },
  create(context) {
    const file = relative(root, context.filename);
    const folder = folderOf(file);
    const isTest = file.endsWith('.test.ts');
    function check(node) {
      const spec = node.source && node.source.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      if (!folder) {
        context.report({ node, messageId: 'unplaced', data: { file } });
        return;
      }
      const target = relative(root, resolve(dirname(context.filename), spec)).replace(/\.js$/, '.ts');
      const targetFolder = folderOf(target);
      if (!targetFolder || targetFolder === folder) return;
      if (isTest && targetFolder === 'src/testing') return;
      const from = layerOf(folder);
      const to = layerOf(targetFolder);
      if (to > from) {
        context.report({ node, messageId: 'upward', data: { folder, from, target: targetFolder, to } });
      } else if (to === from) {
        context.report({ node, messageId: 'sideways', data: { folder, target: targetFolder } });
      }
    }
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export const layersPlugin = { rules: { layers } };
