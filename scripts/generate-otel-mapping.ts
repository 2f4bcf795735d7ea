// Writes src/exporters/otel/MAPPING.md from the mapping code (`make generate`).
import { writeFileSync } from 'node:fs';
import { renderMappingTable } from '../src/exporters/otel/mapping-table.js';

const [out] = process.argv.slice(2);
if (!out) throw new Error('usage: generate-otel-mapping OUT.md');
writeFileSync(out, renderMappingTable());
