// A one-node Kafka broker for a test (scripts/services/kafka.sh), and Kafka's own command-line
// tools to create topics and to write and read messages independently of ebpipe's client.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePorts, newStateDir, serviceScript, ServiceError, ServiceInstance, type StartLine } from './instance.js';

const execFileAsync = promisify(execFile);

export interface KafkaLine extends StartLine {
  bootstrap: string;
  controller: string;
  sasl_bootstrap: string | null;
}

export interface KafkaOptions {
  /** Default: a new temporary directory. */
  stateDir?: string;
  /** Partitions of a topic the broker creates by itself (`num.partitions`); default 1. */
  partitions?: number;
  /** `auto.create.topics.enable`; default true. */
  autoCreateTopics?: boolean;
  /** Users (name → password) of a SASL_PLAINTEXT listener taking PLAIN and SCRAM-SHA-256/512. */
  saslUsers?: Readonly<Record<string, string>>;
}

export interface KafkaMessage {
  partition: number;
  offset: number;
  /** null when the message has none (Kafka's console consumer prints those as `null`). */
  key: Buffer | null;
  value: Buffer;
}

export interface ConsumeOptions {
  /** Stop after this many messages. */
  count: number;
  /** Give up (and return what arrived) when no message came for this long; default 30 s. */
  idleTimeoutMs?: number;
  /** Consumer group; default none (every call reads the topic from the beginning). */
  group?: string;
}

export class KafkaBroker extends ServiceInstance<KafkaLine> {
  /** host:port of the PLAINTEXT listener. */
  get bootstrap(): string {
    return this.line.bootstrap;
  }

  /** host:port of the SASL_PLAINTEXT listener, when started with saslUsers. */
  get saslBootstrap(): string | null {
    return this.line.sasl_bootstrap;
  }

  /** kafka-topics.sh --create (no error when it exists). */
  async createTopic(topic: string, partitions = 1, configs: Readonly<Record<string, string>> = {}): Promise<void> {
    const args = ['--create', '--if-not-exists', '--topic', topic, '--partitions', String(partitions)];
    for (const [key, value] of Object.entries(configs)) args.push('--config', `${key}=${value}`);
    await this.tool('topics', args);
  }

  /** Partition count per topic, from kafka-topics.sh --describe. */
  async describeTopic(topic: string): Promise<{ partitions: number }> {
    const out = await this.tool('topics', ['--describe', '--topic', topic]);
    const match = /PartitionCount:\s*(\d+)/.exec(out);
    if (!match?.[1]) throw new ServiceError(`kafka-topics --describe ${topic}: no PartitionCount in ${out}`);
    return { partitions: Number(match[1]) };
  }

  /** Writes text messages with kafka-console-producer.sh (acks=all); no newline or tab in them. */
  async produce(topic: string, messages: readonly { key?: string; value: string }[]): Promise<void> {
    for (const { key, value } of messages) {
      if (/[\n\t]/.test(value) || (key !== undefined && /[\n\t]/.test(key))) {
        throw new ServiceError('produce: keys and values are lines of text without tabs');
      }
    }
    const withKeys = messages.some((m) => m.key !== undefined);
    const input = messages.map((m) => (withKeys ? `${m.key ?? ''}\t${m.value}` : m.value)).join('\n') + '\n';
    const args = ['--topic', topic, '--command-property', 'acks=all'];
    if (withKeys) args.push('--reader-property', 'parse.key=true', '--reader-property', 'key.separator=\t');
    await this.tool('console-producer', args, input);
  }

  /**
   * Reads messages with kafka-console-consumer.sh from the beginning of every partition; raw
   * bytes, split on random separators so binary values (otlp_proto) come back intact.
   */
  async consume(topic: string, opts: ConsumeOptions): Promise<KafkaMessage[]> {
    const field = randomBytes(12).toString('hex');
    const record = randomBytes(12).toString('hex');
    const args = ['--topic', topic, '--from-beginning', '--max-messages', String(opts.count)];
    args.push('--timeout-ms', String(opts.idleTimeoutMs ?? 30_000));
    if (opts.group !== undefined) args.push('--group', opts.group);
    for (const property of ['print.partition=true', 'print.offset=true', 'print.key=true']) {
      args.push('--formatter-property', property);
    }
    args.push('--formatter-property', `key.separator=${field}`, '--formatter-property', `line.separator=${record}`);
    const out = await this.toolBytes('console-consumer', args);
    return splitRecords(out, Buffer.from(record)).map((raw) => parseConsumed(raw, Buffer.from(field)));
  }

  /** Runs one of kafka.sh's tool commands against this broker; resolves to its stdout. */
  async tool(command: string, args: readonly string[], input?: string): Promise<string> {
    return (await this.toolBytes(command, args, input)).toString('utf8');
  }

  private async toolBytes(command: string, args: readonly string[], input?: string): Promise<Buffer> {
    const argv = [serviceScript('kafka'), command, '--bootstrap-server', this.bootstrap, ...args];
    const child = execFileAsync('bash', argv, { encoding: 'buffer', maxBuffer: 1 << 30 });
    if (input !== undefined) child.child.stdin?.end(input);
    try {
      return (await child).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? '';
      throw new ServiceError(`kafka.sh ${command} ${args.join(' ')} failed: ${stderr}`, { cause: error });
    }
  }
}

function splitRecords(out: Buffer, separator: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let start = 0;
  for (let end = out.indexOf(separator, start); end !== -1; end = out.indexOf(separator, start)) {
    records.push(out.subarray(start, end));
    start = end + separator.length;
  }
  return records;
}

const nullKey = Buffer.from('null');

// The console consumer prints `Partition:P<sep>Offset:O<sep>key<sep>value`.
function parseConsumed(raw: Buffer, separator: Buffer): KafkaMessage {
  const fields: Buffer[] = [];
  let start = 0;
  while (fields.length < 3) {
    const end = raw.indexOf(separator, start);
    if (end === -1) throw new ServiceError(`console consumer printed an unexpected record: ${raw.toString('utf8')}`);
    fields.push(raw.subarray(start, end));
    start = end + separator.length;
  }
  const [partition, offset, key] = fields as [Buffer, Buffer, Buffer];
  return {
    partition: Number(partition.toString('utf8').replace('Partition:', '')),
    offset: Number(offset.toString('utf8').replace('Offset:', '')),
    key: key.equals(nullKey) ? null : key,
    value: raw.subarray(start),
  };
}

/** Starts a broker on free ports; `close()` it when the test ends. */
export async function startKafka(opts: KafkaOptions = {}): Promise<KafkaBroker> {
  const sasl = opts.saslUsers !== undefined && Object.keys(opts.saslUsers).length > 0;
  const [port, controllerPort, saslPort] = await freePorts(sasl ? 3 : 2);
  const flags = ['--port', String(port), '--controller-port', String(controllerPort)];
  flags.push(
    '--partitions',
    String(opts.partitions ?? 1),
    '--auto-create-topics',
    String(opts.autoCreateTopics ?? true),
  );
  if (sasl) {
    const users = Object.entries(opts.saslUsers ?? {}).map(([user, password]) => `${user}:${password}`);
    flags.push('--sasl-port', String(saslPort), '--sasl-users', users.join(','));
  }
  const broker = new KafkaBroker('kafka', opts.stateDir ?? (await newStateDir('kafka')), flags);
  await broker.start();
  return broker;
}
