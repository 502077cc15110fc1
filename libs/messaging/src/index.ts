/**
 * @app/messaging — the Kafka relay, the analytics feed contract (topics, JSON Schemas under
 * libs/messaging/schemas), pseudonymisation, and the consumer library.
 *
 * Consuming the feed (e.g. apps/evaluation):
 *
 *   // once, in the consumer's migrations: the processed-ids and dead-letter tables in its schema
 *   migrations.push(...consumerMigrations('evaluation'));
 *
 *   const subscription = await subscribe({
 *     pool,                      // the consumer's database
 *     groupId: 'evaluation',     // Kafka consumer group / PostgreSQL checkpoint name
 *     schema: 'evaluation',
 *     types: ['PhoneContactRecorded', 'RecordCorrected'],   // optional filter
 *     async handle(event, tx) {  // event: FeedEvent (pseudonymised), tx: open transaction
 *       await tx.query('INSERT INTO evaluation.… VALUES (…)', […]);
 *     },
 *   });
 *   …
 *   await subscription.stop();
 *
 * Delivery is at least once; `handle` sees each eventId once (de-duplicated in `tx`). With
 * KAFKA_BROKERS set the events come from the topic socialwork.events.v1 (kafkajs consumer group);
 * without it, straight from the PostgreSQL event log (same FeedEvent, same pseudonymisation).
 * A handler failing `maxAttempts` times sends the event to the dead-letter topic `<topic>.dlq`
 * (Kafka) or the `<schema>.dead_letters` table (PostgreSQL), with the error, and moves on.
 */
export { EVENTS_TOPIC, INDICATOR_CHANGES_TOPIC, type FeedEvent, type IndicatorChange } from './topics.js';
export type { FeedHandler, SubscribeOptions, FeedSubscription } from './consumer-api.js';
export { subscribe, subscribeKafka, consumerMigrations } from './consumer.js';
export { KafkaRelay, eventLogSource, type RelaySource, type OutboxBatch, type OutboxMessage, type RelayOptions, type RelayStatus } from './relay.js';
export { toFeedEvent, feedKey } from './feed.js';
export { PseudonymKeys, pseudonymiseData, pseudonym, PSEUDONYMISED_FIELDS, REMOVED_FIELDS } from './pseudonymise.js';
export { brokersFromEnv, createKafka, ensureTopics, logLevel, type KafkaClientOptions } from './kafka.js';
