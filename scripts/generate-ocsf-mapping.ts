// Writes src/exporters/ocsf/MAPPING.md from the mapping code (`make generate`).
import { writeFileSync } from 'node:fs';
import { renderOcsfMapping } from '../src/exporters/ocsf/mapping-doc.js';

const [out] = process.argv.slice(2);
if (!out) throw new Error('usage: generate-ocsf-mapping OUT.md');
writeFileSync(out, renderOcsfMapping());
