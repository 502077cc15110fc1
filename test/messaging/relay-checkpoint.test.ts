import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PgEventStore, eventStoreMigrations, type AppendRequest } from '@app/event-store';
import { KafkaRelay, PseudonymKeys, eventLogSource, type RelaySource } from '@app/messaging';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { personEvent } from './support/events.js';
import { brokerAvailable, kafkaClient, readTopic, uniqueName, waitFor } from './support/kafka.js';

/**
 * The relay's checkpoint and lock against a real PostgreSQL: the lag comes back to 0 when the newest
 * events are of a context the feed does not carry, and a relay that has lost its lock tries it again
 * once a poll, not in a loop. Kafka is needed only where something is published.
 */

const unavailable = await brokerAvailable();
const describeKafka = unavailable && process.env.KAFKA_REQUIRED !== '1' ? describe.skip : describe;
/** A broker nobody listens on: these relays have nothing to publish, so they never connect. */
const nowhere = () => kafkaClient(['127.0.0.1:1'], 'no-broker');
/** Lock id of KafkaRelay (libs/messaging/src/relay.ts), to find and hold the lock from outside. */
const RELAY_LOCK = 7_460_301;

/** An evaluation cycle's event: it shares the log with the recording context but is not on socialwork.events.v1. */
const evaluationEvent = (): AppendRequest => ({
  streamId: `evaluation-cycle-${randomUUID()}`,
  streamType: 'evaluation-cycle',
  expectedVersion: 'no_stream',
  events: [{ eventId: randomUUID(), type: 'EvaluationCycleOpened', data: { kind: 'annual' }, metadata: { actor: 'user:evaluator' } }],
});

describe('relay checkpoint and lock (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: PgEventStore;

  beforeEach(async () => {
    db = await createTestDatabase(eventStoreMigrations);
    store = new PgEventStore(db.pool);
  });
  afterEach(async () => db.drop());

  it('moves its checkpoint past events the feed does not carry, so the lag reaches 0 with nothing to publish', async () => {
    for (let i = 0; i < 3; i++) await store.append(evaluationEvent());
    const relay = new KafkaRelay(db.pool, nowhere(), eventLogSource(store, PseudonymKeys.devOnly(), uniqueName('test.skip')), { pollMs: 20 });
    try {
      await relay.start();
      await waitFor('the checkpoint to pass the evaluation events', async () => (await relay.status()).lag === 0, 10000);
      expect(await relay.status()).toMatchObject({ position: 3, head: 3, lag: 0, lastPublishedAt: null, lastError: null });
    } finally {
      await relay.stop();
    }
  });

  it('waits a poll between lock attempts when its listening connection dropped after a notification and another relay holds the lock', async () => {
    const topic = uniqueName('test.standby-loop');
    let release!: () => void;
    let gate: Promise<void> = Promise.resolve();
    let entered!: () => void;
    let reading = new Promise<void>((resolve) => (entered = resolve));
    // Reads nothing; a read can be held open so that a notification arrives while the relay is busy.
    const source: RelaySource = {
      topic,
      read: async (after) => {
        entered();
        await gate;
        return { messages: [], next: after };
      },
      head: async () => 0,
    };
    const relay = new KafkaRelay(db.pool, nowhere(), source, { pollMs: 100 });
    const other = await db.pool.connect();
    try {
      await relay.start();
      await waitFor('the relay to take the lock', async () => (await relay.status()).active);
      gate = new Promise<void>((resolve) => (release = resolve));
      reading = new Promise<void>((resolve) => (entered = resolve));
      await reading;
      // A notification while the read is held: the relay notes it, to read again without sleeping.
      await db.pool.query("SELECT pg_notify('es_appended', '')");
      await new Promise((r) => setTimeout(r, 200));
      // Its listening connection (the one holding the lock) ends; another session takes the lock.
      const { rows } = await other.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext($2)::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [RELAY_LOCK, `relay:${topic}`],
      );
      expect(rows).toHaveLength(1);
      await other.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await other.query('SELECT pg_advisory_lock($1, hashtext($2))', [RELAY_LOCK, `relay:${topic}`]);
      await waitFor('the relay to notice it lost the lock', async () => !(await relay.status()).active);

      const connect = jest.spyOn(db.pool, 'connect');
      release();
      await new Promise((r) => setTimeout(r, 1000));
      // One connection per lock attempt: about one attempt per 100 ms poll, not one after another.
      expect(connect.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(connect.mock.calls.length).toBeLessThanOrEqual(14);
      connect.mockRestore();

      await other.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RELAY_LOCK, `relay:${topic}`]);
      await waitFor('the relay to take the lock again once it is free', async () => (await relay.status()).active, 5000);
    } finally {
      release?.();
      other.release();
      await relay.stop();
    }
  });

  describeKafka('publishing (real broker)', () => {
    it('publishes the recording events and reaches lag 0 when the newest event in the log is an evaluation event', async () => {
      if (unavailable) throw new Error(`KAFKA_REQUIRED=1 but ${unavailable}`);
      const recorded: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { request } = personEvent(i);
        recorded.push(request.events[0]!.eventId);
        await store.append(request);
      }
      await store.append(evaluationEvent());
      const kafka = kafkaClient();
      const topic = uniqueName('test.mixed');
      const relay = new KafkaRelay(db.pool, kafka, eventLogSource(store, PseudonymKeys.devOnly(), topic), { pollMs: 20 });
      try {
        await relay.start();
        await waitFor('the relay to catch up with the head', async () => (await relay.status()).lag === 0, 20000);
        expect(await relay.status()).toMatchObject({ position: 6, head: 6, lag: 0 });
        const messages = await readTopic(kafka, topic, (m) => m.length >= recorded.length);
        expect(messages.map((m) => JSON.parse(m.value.toString('utf8')).eventId).sort()).toEqual([...recorded].sort());
      } finally {
        await relay.stop();
      }
    });
  });
});
