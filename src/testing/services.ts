// The test services (Kafka, the OpenTelemetry Collector, an S3 server) as tests and benches
// use them: each started by its script under scripts/services/, one instance per test.
export {
  freePorts,
  serviceMissing,
  ServiceError,
  ServiceInstance,
  type ServiceName,
  type StartLine,
} from './services/instance.js';
export {
  KafkaBroker,
  startKafka,
  type ConsumeOptions,
  type KafkaMessage,
  type KafkaOptions,
} from './services/kafka.js';
export {
  Collector,
  startCollector,
  type CollectorEndpoints,
  type CollectorOptions,
  type KafkaReceiverOptions,
  type SplunkHecOptions,
  type WaitOptions,
} from './services/otelcol.js';
export {
  attributeMap,
  plainAttributes,
  plainValue,
  type ExportFile,
  type OtlpAnyValue,
  type OtlpKeyValue,
  type OtlpLogRecord,
  type OtlpLogsRequest,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type ReceivedLogRecord,
  type ReceivedMetric,
} from './services/otlp-file.js';
export { S3Server, startS3, type S3Options, type StoredObject } from './services/s3.js';
export { signS3Request, type S3Credentials } from './services/s3-signature.js';
