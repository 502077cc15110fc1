import type pg from 'pg';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Migration } from '@app/database';
import { CatchUpSubscription, PgEventStore } from '@app/event-store';
import type { FeedHandler, FeedSubscription, SubscribeOptions } from './consumer-api.js';
import { toFeedEvent } from './feed.js';
import { brokersFromEnv, createKafka, ensureTopics } from './kafka.js';
import { PseudonymKeys } from './pseudonymise.js';
import { EVENTS_TOPIC, type FeedEvent } from './topics.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The consumer's tables, in its own schema: processed event ids (de-duplication in the work's
 * transaction) and dead letters of the PostgreSQL transport. Add to the consumer's migration list.
 */
export function consumerMigrations(schema: string): Migration[] {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`"${schema}" is not a schema name`);
  return [
    {
      id: `0310_messaging_consumer_${schema}`,
      sql: `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE ${schema}.processed_events (
  group_id      text NOT NULL,
  event_id      uuid NOT NULL,
  dead_lettered boolean NOT NULL DEFAULT false,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, event_id)
);
CREATE TABLE ${schema}.dead_letters (
  id        bigserial PRIMARY KEY,
  group_id  text NOT NULL,
  event_id  uuid,
  position  bigint,
  type      text,
  error     text NOT NULL,
  attempts  int NOT NULL,
  payload   jsonb NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);`,
    },
  ];
}

type DeadLetter = (event: FeedEvent, error: Error, attempts: number, tx: pg.PoolClient) => Promise<void>;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A batch of events inside an open transaction: their ids are recorded as processed in one
 * statement (the duplicates drop out there) and the handler runs for the fresh ones. Should any
 * handler throw, the batch is rolled back to its savepoint and redone one event at a time, so only
 * the failing event is retried and, at the end, dead-lettered.
 */
export async function processBatch(
  tx: pg.PoolClient,
  handler: FeedHandler,
  events: readonly FeedEvent[],
  maxAttempts: number,
  deadLetter: DeadLetter,
): Promise<void> {
  const wanted = handler.types ? events.filter((e) => handler.types!.includes(e.type)) : events;
  if (wanted.length === 0) return;
  await tx.query('SAVEPOINT feed_batch');
  const { rows } = await tx.query<{ event_id: string }>(
    `INSERT INTO ${handler.schema}.processed_events (group_id, event_id) SELECT $1, unnest($2::uuid[])
     ON CONFLICT DO NOTHING RETURNING event_id`,
    [handler.groupId, wanted.map((e) => e.eventId)],
  );
  const ids = new Set(rows.map((r) => r.event_id));
  // An id repeated within the batch is fresh once: its first occurrence.
  const fresh = wanted.filter((event) => ids.delete(event.eventId));
  let current: FeedEvent | undefined;
  try {
    if (handler.handleBatch) {
      if (fresh.length > 0) await handler.handleBatch(fresh, tx);
    } else for (current of fresh) await handler.handle(current, tx);
    await tx.query('RELEASE SAVEPOINT feed_batch');
  } catch (error) {
    await tx.query('ROLLBACK TO SAVEPOINT feed_batch');
    // The batch run was the failing event's first attempt (unknown which one, for a batch handler).
    for (const event of wanted) await processEvent(tx, handler, event, maxAttempts, deadLetter, event === current ? (error as Error) : undefined);
  }
}

/**
 * One event inside an open transaction: record its id (a duplicate stops here), do the work, all
 * behind a savepoint so a failing handler is rolled back alone and retried. After `maxAttempts`
 * failures (counting `failed`, an attempt already made) the event is dead-lettered and recorded as
 * processed: the consumer moves on. Errors outside the handler (the database away) are thrown:
 * they are no fault of the event.
 */
async function processEvent(
  tx: pg.PoolClient,
  handler: FeedHandler,
  event: FeedEvent,
  maxAttempts: number,
  deadLetter: DeadLetter,
  failed?: Error,
): Promise<void> {
  const record = `INSERT INTO ${handler.schema}.processed_events (group_id, event_id, dead_lettered) VALUES ($1, $2, $3)
                  ON CONFLICT DO NOTHING`;
  let attempts = failed ? 1 : 0;
  let lastError = failed;
  while (attempts < maxAttempts) {
    if (lastError) await pause(Math.min(50 * 2 ** (attempts - 1), 1000));
    attempts += 1;
    await tx.query('SAVEPOINT feed_event');
    const { rowCount } = await tx.query(record, [handler.groupId, event.eventId, false]);
    if (rowCount === 0) {
      await tx.query('RELEASE SAVEPOINT feed_event');
      return;
    }
    try {
      await handler.handle(event, tx);
      await tx.query('RELEASE SAVEPOINT feed_event');
      return;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT feed_event');
      lastError = error as Error;
    }
  }
  await deadLetter(event, lastError!, attempts, tx);
  await tx.query(record, [handler.groupId, event.eventId, true]);
}

/**
 * Subscribes a handler to the event feed: from Kafka when brokers are configured, otherwise from
 * the PostgreSQL event log. See FeedHandler for the contract.
 */
export async function subscribe(options: SubscribeOptions): Promise<FeedSubscription> {
  if (!SCHEMA_NAME.test(options.schema)) throw new Error(`"${options.schema}" is not a schema name`);
  const brokers = options.brokers ?? brokersFromEnv();
  return brokers.length > 0 ? subscribeKafka(options, createKafka({ brokers, clientId: `consumer-${options.groupId}` })) : subscribePostgres(options);
}

async function subscribePostgres(options: SubscribeOptions): Promise<FeedSubscription> {
  const keys = options.pseudonymKeys ?? PseudonymKeys.fromEnv();
  const maxAttempts = options.maxAttempts ?? 5;
  const deadLetter: DeadLetter = async (event, error, attempts, tx) => {
    await tx.query(
      `INSERT INTO ${options.schema}.dead_letters (group_id, event_id, position, type, error, attempts, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [options.groupId, event.eventId, event.position, event.type, describe(error), attempts, JSON.stringify(event)],
    );
  };
  const subscription = new CatchUpSubscription(
    options.pool,
    options.store ?? new PgEventStore(options.pool),
    {
      name: `consumer:${options.groupId}`,
      types: options.types,
      handle: (events, tx) => processBatch(tx, options, events.map((event) => toFeedEvent(event, keys)), maxAttempts, deadLetter),
    },
    // The handler may do a whole batch at once (handleBatch): under load, larger batches are fewer statements.
    { batchSize: 1000, pollMs: 500, coalesceMs: options.coalesceMs ?? 50, onError: options.onError },
  );
  await subscription.start();
  return { transport: 'postgres', stop: () => subscription.stop() };
}

/** Kafka transport, exported for tests that pass their own client. */
export async function subscribeKafka(options: SubscribeOptions, kafka: Kafka): Promise<FeedSubscription> {
  const topic = options.topic ?? EVENTS_TOPIC;
  const deadLetterTopic = options.deadLetterTopic ?? `${topic}.dlq`;
  const maxAttempts = options.maxAttempts ?? 5;
  await ensureTopics(kafka, [topic, deadLetterTopic]);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 15000, heartbeatInterval: 1000 });
  consumer.on(consumer.events.CRASH, ({ payload }) => options.onError?.(payload.error));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  const sendToDeadLetters = async (message: KafkaMessage, partition: number, error: Error, attempts: number) => {
    await producer.send({
      topic: deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            'x-error': describe(error),
            'x-attempts': String(attempts),
            'x-group': options.groupId,
            'x-source': `${topic}/${partition}/${message.offset}`,
          },
        },
      ],
    });
  };

  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const events: FeedEvent[] = [];
      const messageOf = new Map<string, KafkaMessage>();
      for (const message of batch.messages) {
        const decoded = decode(message);
        if (decoded instanceof Error) {
          // Unreadable bytes fail the same way every time: no retries, straight to the dead letters.
          await sendToDeadLetters(message, batch.partition, decoded, 1);
          continue;
        }
        events.push(decoded);
        messageOf.set(decoded.eventId, message);
      }
      const client = await options.pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        await processBatch(client, options, events, maxAttempts, (event, error, attempts) =>
          sendToDeadLetters(messageOf.get(event.eventId)!, batch.partition, error, attempts),
        );
        await client.query('COMMIT');
      } catch (error) {
        broken = error as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release(broken);
      }
      // Offsets move only after the work committed: a crash in between re-delivers, and the
      // processed-ids table turns the re-delivery into a no-op.
      resolveOffset(batch.lastOffset());
      await heartbeat();
      await commitOffsetsIfNecessary();
    },
  });

  return {
    transport: 'kafka',
    stop: async () => {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

function decode(message: KafkaMessage): FeedEvent | Error {
  try {
    const value = JSON.parse(message.value?.toString('utf8') ?? 'null') as Partial<FeedEvent> | null;
    if (!value || typeof value.eventId !== 'string' || typeof value.type !== 'string') {
      return new Error('not a feed event: eventId and type are required');
    }
    return value as FeedEvent;
  } catch (error) {
    return new Error(`not JSON: ${(error as Error).message}`);
  }
}

function describe(error: Error): string {
  return `${error.name}: ${error.message}`.slice(0, 2000);
}
