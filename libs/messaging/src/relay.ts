import type pg from 'pg';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { APPENDED_CHANNEL, readCheckpoint, type PgEventStore } from '@app/event-store';
import { RECORDING_EVENT_TYPES } from '@app/recording';
import { feedKey, toFeedEvent } from './feed.js';
import { ensureTopics } from './kafka.js';
import type { PseudonymKeys } from './pseudonymise.js';
import { EVENTS_TOPIC } from './topics.js';

/** A message ready to publish, at its place in the source's order. */
export interface OutboxMessage {
  position: number;
  key: string;
  value: string;
  headers?: Record<string, string>;
}

/** What one read of a source gives: messages to publish, and where the checkpoint goes once they are acknowledged. */
export interface OutboxBatch {
  messages: OutboxMessage[];
  /**
   * The last message's position, or beyond it when the source passed over rows it does not publish:
   * the checkpoint moves past those too, so they are neither read again nor counted as lag.
   */
  next: number;
}

/**
 * What a relay publishes: rows in a strictly increasing order with no row ever appearing below one
 * already read (the event log guarantees it by committing positions in order).
 */
export interface RelaySource {
  readonly topic: string;
  read(after: number, limit: number): Promise<OutboxBatch>;
  /** Highest position committed (for the lag). */
  head(): Promise<number>;
}

/**
 * The event log as socialwork.events.v1: pseudonymised recording events keyed by station. Only the
 * recording context's events are published (the feed is the analytics contract for services).
 */
export function eventLogSource(store: PgEventStore, keys: PseudonymKeys, topic: string = EVENTS_TOPIC): RelaySource {
  return {
    topic,
    read: async (after, limit) => {
      // Other contexts' events are passed over (readPage): when the newest events are not the
      // recording context's, the checkpoint still reaches the head and the lag comes back to 0.
      const { events, next } = await store.readPage({ after, limit, types: RECORDING_EVENT_TYPES });
      const messages = events.map((event) => {
        const value = toFeedEvent(event, keys);
        return { position: event.position, key: feedKey(value), value: JSON.stringify(value), headers: { eventId: value.eventId, type: value.type } };
      });
      return { messages, next };
    },
    head: () => store.headPosition(),
  };
}

export interface RelayOptions {
  /** Row in es_checkpoints holding the last position Kafka acknowledged (default `relay:<topic>`). */
  checkpoint?: string;
  batchSize?: number;
  /** Poll interval when no append notification arrives. */
  pollMs?: number;
  onError?: (error: Error) => void;
}

export interface RelayStatus {
  running: boolean;
  /** This instance holds the relay lock (one relay publishes per checkpoint, whatever the number of instances). */
  active: boolean;
  topic: string;
  /** Last position Kafka acknowledged. */
  position: number;
  head: number;
  /** Positions committed in PostgreSQL past the checkpoint: rows not yet acknowledged by Kafka (or not yet passed over). */
  lag: number;
  lastPublishedAt: string | null;
  lastError: string | null;
}

/** One relay per checkpoint at a time: a session lock held by the relay's listening connection. */
const RELAY_LOCK = 7_460_301;

/**
 * The transactional-outbox relay: the event log itself is the outbox. It reads rows after its
 * checkpoint in the source's order, publishes them with an idempotent producer (acks from all
 * in-sync replicas), and only then moves the checkpoint. Event positions follow commit order (see
 * libs/event-store/src/schema.ts), so reading "after N" never skips a late commit. A crash between
 * the publish and the checkpoint re-publishes that batch: at least once, de-duplicated by eventId.
 */
export class KafkaRelay {
  private readonly topic: string;
  private readonly checkpoint: string;
  private producer?: Producer;
  private listener?: pg.PoolClient;
  private loop?: Promise<void>;
  private running = false;
  private active = false;
  private wake?: () => void;
  /** An append was notified since the last read: do not sleep. */
  private notified = false;
  private lastPublishedAt: Date | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly kafka: Kafka,
    private readonly source: RelaySource,
    private readonly options: RelayOptions = {},
  ) {
    this.topic = source.topic;
    this.checkpoint = options.checkpoint ?? `relay:${this.topic}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.pool.query('INSERT INTO es_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING', [
      this.checkpoint,
    ]);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.releaseListener();
    await this.dropProducer();
  }

  /** Publishes one batch after the checkpoint; returns how many messages went out. */
  async publishBatch(): Promise<number> {
    const after = await readCheckpoint(this.pool, this.checkpoint);
    const { messages: rows, next } = await this.source.read(after, this.options.batchSize ?? 500);
    if (rows.length > 0) {
      const messages: Message[] = rows.map(({ key, value, headers }) => ({ key, value, headers }));
      const producer = await this.connectedProducer();
      try {
        await producer.send({ topic: this.topic, acks: -1, messages });
      } catch (error) {
        // A producer that failed mid-send may hold a broken connection or sequence state; a new one
        // starts clean. The batch is simply sent again (duplicates are de-duplicated by eventId).
        await this.dropProducer();
        throw error;
      }
    }
    if (next === after) return 0;
    // Compare-and-set: a relay that lost its lock cannot move the checkpoint under the new one.
    await this.pool.query('UPDATE es_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2', [
      this.checkpoint,
      after,
      next,
    ]);
    if (rows.length > 0) this.lastPublishedAt = new Date();
    return rows.length;
  }

  async status(): Promise<RelayStatus> {
    const [head, position] = await Promise.all([this.source.head(), readCheckpoint(this.pool, this.checkpoint)]);
    return {
      running: this.running,
      active: this.active,
      topic: this.topic,
      position,
      head,
      lag: Math.max(0, head - position),
      lastPublishedAt: this.lastPublishedAt?.toISOString() ?? null,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        if (!this.active) await this.acquire();
        if (this.active) {
          this.notified = false;
          while (this.running && (await this.publishBatch()) > 0);
          this.lastError = null;
          backoff = 100;
        }
      } catch (error) {
        this.lastError = (error as Error).message;
        this.options.onError?.(error as Error);
        if (!this.listener) this.active = false;
        // A back-off after an error: notifications do not end it (stop does).
        await this.sleep(backoff, false);
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      // Only the lock holder listens for appends. A standby, or a relay whose listening connection
      // dropped after a notification (still noted), waits a poll before it tries the lock again.
      if (!this.active || !this.notified) await this.sleep(this.options.pollMs ?? 1000);
    }
  }

  /** Takes the relay lock on a connection that also listens for appends. */
  private async acquire(): Promise<void> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
        RELAY_LOCK,
        this.checkpoint,
      ]);
      if (!rows[0]!.ok) {
        client.release();
        return;
      }
      client.on('notification', () => {
        this.notified = true;
        this.wake?.();
      });
      await client.query(`LISTEN ${APPENDED_CHANNEL}`);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    client.on('error', (error) => {
      // The lock went with the connection: stand down until it is taken again.
      this.active = false;
      if (this.listener !== client) return;
      this.listener = undefined;
      client.release(error);
    });
    this.listener = client;
    this.active = true;
  }

  private async releaseListener(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    this.active = false;
    if (!client) return;
    await client.query(`UNLISTEN ${APPENDED_CHANNEL}`).catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RELAY_LOCK, this.checkpoint]).catch(() => undefined);
    client.release();
  }

  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's partitioner: outside consumers in any language agree on key -> partition.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    await ensureTopics(this.kafka, [this.topic]);
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  /** Sleeps for `ms`, or until a notification (or stop) when `wakeable`. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        if (!wakeable && this.running) return;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
