// The one small producer interface the kafka exporter talks to, so the client under it (kafkajs
// today, kafkajs-producer.ts) can be swapped without touching the encodings or the exporter.

export interface OutgoingMessage {
  /** null: no key, the partitioner spreads such messages. */
  key: string | null;
  value: Buffer;
}

export interface MessageProducer {
  /** Connects to the brokers (authenticating); rejects with an ExportError. */
  connect(): Promise<void>;
  /**
   * Resolves once the brokers acknowledged every message (as producer.required_acks says); rejects
   * with an ExportError (permanent, or retryable) otherwise. Messages of one key keep their order.
   */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  /** Disconnects; idempotent. */
  close(): Promise<void>;
}
