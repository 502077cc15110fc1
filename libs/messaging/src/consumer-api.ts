import type pg from 'pg';
import type { PgEventStore } from '@app/event-store';
import type { FeedEvent } from './topics.js';

/**
 * What a consumer of the event feed writes: one handler per consumer (e.g. the evaluation
 * service), the same contract whichever transport delivers the events.
 */
export interface FeedHandler {
  /**
   * Stable name of the consumer: the Kafka consumer group, the PostgreSQL checkpoint name, and the
   * key of its processed ids. Changing it re-reads the feed from the start (de-duplicated).
   */
  readonly groupId: string;
  /** The consumer's own schema: its `processed_events` and `dead_letters` tables live there. */
  readonly schema: string;
  /** Only these event types reach `handle` (all when absent); the others are skipped, not recorded. */
  readonly types?: readonly string[];
  /**
   * Does the work for one event inside `tx`, a transaction on the consumer's database that also
   * records `event.eventId` as processed: the work and the de-duplication commit together, so an
   * event re-delivered after a crash is never applied twice. Throwing rolls the work back; the event
   * is retried up to `maxAttempts` times, then dead-lettered (with the error) and the consumer moves on.
   */
  handle(event: FeedEvent, tx: pg.PoolClient): Promise<void>;
  /**
   * Optional: the same work for several events at once (fresh ones, in log order), e.g. one
   * statement for a whole batch instead of one per event. Throwing redoes the events one by one with
   * `handle`, which then retries and dead-letters the failing one alone.
   */
  handleBatch?(events: readonly FeedEvent[], tx: pg.PoolClient): Promise<void>;
}

export interface SubscribeOptions extends FeedHandler {
  /** The consumer's database (its schema must have been migrated with `consumerMigrations(schema)`). */
  pool: pg.Pool;
  /**
   * Kafka brokers; default KAFKA_BROKERS (comma-separated host:port). Without brokers the
   * PostgreSQL transport reads the event log directly from `store` (the embedded default).
   */
  brokers?: readonly string[];
  /** The event log, for the PostgreSQL transport (default: a PgEventStore on `pool`). */
  store?: PgEventStore;
  /** Pseudonym keys, for the PostgreSQL transport (default: from PSEUDONYM_KEYS). */
  pseudonymKeys?: import('./pseudonymise.js').PseudonymKeys;
  /**
   * PostgreSQL transport: how long the consumer waits after an append is notified before reading,
   * so appends close together are handled in one batch (default 50 ms: the feed lags by about that).
   */
  coalesceMs?: number;
  /** Attempts per event before it is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Kafka transport: topic to read (default socialwork.events.v1) and its dead-letter topic (default `<topic>.dlq`). */
  topic?: string;
  deadLetterTopic?: string;
  /** Called with errors the consumer recovers from by itself (broker away, database away). */
  onError?: (error: Error) => void;
}

export interface FeedSubscription {
  readonly transport: 'kafka' | 'postgres';
  /** Stops after the event in hand; processed work is committed, nothing else is lost. */
  stop(): Promise<void>;
}
