// Every component type ebpipe knows, in one explicit list: adding a component is one
// folder and one line here.
import { routingConnector } from '../connectors/routing/routing-connector.js';
import { awss3Exporter } from '../exporters/awss3/awss3-exporter.js';
import { clickhouseExporter } from '../exporters/clickhouse/clickhouse-exporter.js';
import { consoleExporter } from '../exporters/console/console-exporter.js';
import { nopExporter } from '../exporters/nop/nop-exporter.js';
import { fileExporter } from '../exporters/file/file-exporter.js';
import { kafkaExporter } from '../exporters/kafka/kafka-exporter.js';
import { otlpExporter } from '../exporters/otlp/otlp-exporter.js';
import { otlphttpExporter } from '../exporters/otlphttp/otlphttp-exporter.js';
import { splunkHecExporter } from '../exporters/splunk_hec/splunk-hec-exporter.js';
import type { ComponentFactory, ComponentKind, ComponentRegistry } from '../pipeline/component.js';
import { decodeProcessor } from '../processors/decode/decode-processor.js';
import { enrichProcessor } from '../processors/enrich/enrich-processor.js';
import { filterProcessor } from '../processors/filter/filter-processor.js';
import { redactProcessor } from '../processors/redact/redact-processor.js';
import { ebpfReceiver } from '../receivers/ebpf/ebpf-receiver.js';
import { replayReceiver } from '../receivers/replay/replay-receiver.js';

const factories: readonly ComponentFactory[] = [
  ebpfReceiver,
  replayReceiver,
  decodeProcessor,
  enrichProcessor,
  redactProcessor,
  filterProcessor,
  routingConnector,
  consoleExporter,
  fileExporter,
  clickhouseExporter,
  otlpExporter,
  otlphttpExporter,
  kafkaExporter,
  splunkHecExporter,
  awss3Exporter,
  nopExporter,
];

class FactoryIndex implements ComponentRegistry {
  private readonly byKey = new Map<string, ComponentFactory>();

  constructor(all: readonly ComponentFactory[]) {
    for (const f of all) this.byKey.set(`${f.kind}:${f.type}`, f);
  }

  get(kind: ComponentKind, type: string): ComponentFactory | undefined {
    return this.byKey.get(`${kind}:${type}`);
  }

  types(kind: ComponentKind): string[] {
    return [...this.byKey.values()].filter((f) => f.kind === kind).map((f) => f.type);
  }
}

export const componentRegistry: ComponentRegistry = new FactoryIndex(factories);
