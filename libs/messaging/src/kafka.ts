import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/** KAFKA_BROKERS: comma-separated host:port; empty means "no Kafka" (the embedded default). */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  /**
   * kafkajs' own log. Default: KAFKA_LOG_LEVEL (nothing|error|warn|info|debug), else errors only;
   * errors while a broker restarts or a new topic elects its leaders are expected and retried.
   */
  logLevel?: logLevel;
}

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

export function createKafka(options: KafkaClientOptions): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: options.logLevel ?? LOG_LEVELS[process.env.KAFKA_LOG_LEVEL ?? 'error'] ?? logLevel.ERROR,
    connectionTimeout: 3000,
    // Retries inside kafkajs stay short: the relay and the consumer have their own loops that wait
    // out a broker that is away for longer, without giving up.
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 3000 },
  };
  return new Kafka(config);
}

/**
 * Creates the topics that do not exist yet (a no-op for those that do), with KAFKA_TOPIC_PARTITIONS
 * partitions (6): whichever of the relay and a consumer starts first creates them alike.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  numPartitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 6),
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions })) });
    }
  } finally {
    await admin.disconnect();
  }
}

export { logLevel };
