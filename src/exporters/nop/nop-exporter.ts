// `nop`: accepts and discards every event, like the Collector's nop exporter: for measuring
// a pipeline without a destination, and for trying a pipeline file out.
import type { Exporter, ExporterFactory } from '../../pipeline/component.js';
import { exporterHelperSettings } from '../../pipeline/exporter-settings.js';

const settings = exporterHelperSettings().strict();

const nop: Exporter = {
  export: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

export const nopExporter: ExporterFactory<typeof settings> = {
  kind: 'exporter',
  type: 'nop',
  description: 'discards every event (for measuring and trying pipelines)',
  settings,
  create: () => nop,
};
