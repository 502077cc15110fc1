// A relay in its own process, so a test can kill it (SIGKILL) mid-publish like a crashed server.
// Environment: DATABASE_URL, KAFKA_BROKERS, RELAY_TOPIC, RELAY_BATCH. Prints "ready" once started.
import { createPool } from '@app/database';
import { PgEventStore } from '@app/event-store';
import { KafkaRelay, PseudonymKeys, createKafka, eventLogSource, logLevel } from '@app/messaging';

const pool = createPool(process.env.DATABASE_URL!, 4);
const kafka = createKafka({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'relay-child', logLevel: logLevel.NOTHING });
const relay = new KafkaRelay(pool, kafka, eventLogSource(new PgEventStore(pool), PseudonymKeys.devOnly(), process.env.RELAY_TOPIC), {
  batchSize: Number(process.env.RELAY_BATCH ?? 20),
  pollMs: 20,
});
await relay.start();
process.stdout.write('ready\n');
