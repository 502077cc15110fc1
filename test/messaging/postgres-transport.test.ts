import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PgEventStore, eventStoreMigrations } from '@app/event-store';
import { PseudonymKeys, consumerMigrations, subscribe, type FeedEvent, type FeedSubscription } from '@app/messaging';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch } from '../support/auth.js';
import { personEvent } from './support/events.js';
import { waitFor } from './support/kafka.js';

describe('consumer library without Kafka: the PostgreSQL event log through the same handler contract', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  const subscriptions: FeedSubscription[] = [];
  const received: FeedEvent[] = [];

  beforeEach(async () => {
    db = await createTestDatabase([
      ...eventStoreMigrations,
      ...consumerMigrations('consumer_pg'),
      { id: '9000_seen', sql: 'CREATE TABLE consumer_pg.seen (seq bigserial, event_id uuid NOT NULL, type text NOT NULL)' },
    ]);
    store = new PgEventStore(db.pool);
    received.length = 0;
  });
  afterEach(async () => {
    for (const s of subscriptions.splice(0)) await s.stop();
    await db.drop();
  });

  const consume = async (options: { types?: string[]; fail?: (event: FeedEvent) => boolean } = {}) => {
    const subscription = await subscribe({
      pool: db.pool,
      brokers: [],
      groupId: 'pg-test',
      schema: 'consumer_pg',
      types: options.types,
      pseudonymKeys: PseudonymKeys.devOnly(),
      maxAttempts: 3,
      handle: async (event, tx) => {
        received.push(event);
        await tx.query('INSERT INTO consumer_pg.seen (event_id, type) VALUES ($1, $2)', [event.eventId, event.type]);
        if (options.fail?.(event)) throw new Error(`refused ${event.eventId}`);
      },
    });
    subscriptions.push(subscription);
    return subscription;
  };
  const append = async (count: number, offset = 0) => {
    const events = Array.from({ length: count }, (_, i) => personEvent(offset + i));
    for (const e of events) await store.append(e.request);
    return events;
  };
  const seen = async () => (await db.pool.query<{ event_id: string; type: string }>('SELECT event_id, type FROM consumer_pg.seen ORDER BY seq')).rows;

  it('hands each event, pseudonymised, once and in log order; a restarted consumer continues after its checkpoint', async () => {
    const first = await append(10);
    const subscription = await consume();
    expect(subscription.transport).toBe('postgres');
    await waitFor('10 handled', async () => (await seen()).length === 10);
    await subscription.stop();
    subscriptions.pop();
    const second = await append(5, 10);
    await consume();
    await waitFor('15 handled', async () => (await seen()).length === 15);
    const ids = [...first, ...second].map((e) => e.request.events[0]!.eventId);
    expect((await seen()).map((r) => r.event_id)).toEqual(ids);
    const bytes = JSON.stringify(received);
    expect([...first, ...second].flatMap((e) => e.identifiers).filter((id) => bytes.includes(id))).toEqual([]);
    expect(received.find((e) => e.type === 'HouseholdArchived')!.data.household).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('dead-letters an event whose handler fails every attempt, keeps none of its work, and handles the rest', async () => {
    const events = await append(8);
    const poison = events[3]!.request.events[0]!.eventId;
    await consume({ fail: (event) => event.eventId === poison });
    await waitFor('the other 7 handled', async () => (await seen()).length === 7);
    expect((await seen()).map((r) => r.event_id)).not.toContain(poison);
    expect(received.filter((e) => e.eventId === poison)).toHaveLength(3);
    const { rows } = await db.pool.query('SELECT event_id, error, attempts, payload FROM consumer_pg.dead_letters');
    expect(rows).toEqual([{ event_id: poison, error: `Error: refused ${poison}`, attempts: 3, payload: expect.objectContaining({ eventId: poison }) }]);
  });

  it('gives a batch handler the events appended before it started in one call; one failing event is redone alone and dead-lettered', async () => {
    const events = await append(8);
    const poison = events[5]!.request.events[0]!.eventId;
    const batches: number[] = [];
    const insert = (event: FeedEvent, tx: import('pg').PoolClient) =>
      tx.query('INSERT INTO consumer_pg.seen (event_id, type) VALUES ($1, $2)', [event.eventId, event.type]);
    const refuse = (event: FeedEvent) => {
      if (event.eventId === poison) throw new Error(`refused ${event.eventId}`);
    };
    subscriptions.push(
      await subscribe({
        pool: db.pool,
        brokers: [],
        groupId: 'pg-test',
        schema: 'consumer_pg',
        pseudonymKeys: PseudonymKeys.devOnly(),
        maxAttempts: 2,
        handle: async (event, tx) => {
          await insert(event, tx);
          refuse(event);
        },
        handleBatch: async (batch, tx) => {
          batches.push(batch.length);
          for (const event of batch) await insert(event, tx);
          batch.forEach(refuse);
        },
      }),
    );
    await waitFor('the other 7 handled', async () => (await seen()).length === 7);
    expect(batches).toEqual([8]);
    expect((await seen()).map((r) => r.event_id)).toEqual(events.map((e) => e.request.events[0]!.eventId).filter((id) => id !== poison));
    const { rows } = await db.pool.query('SELECT event_id, attempts FROM consumer_pg.dead_letters');
    expect(rows).toEqual([{ event_id: poison, attempts: 2 }]);
  });

  it('hands only the event types asked for and still moves past the others', async () => {
    await append(10);
    await consume({ types: ['VolunteerRegistered'] });
    await waitFor('2 volunteers handled', async () => (await seen()).length === 2);
    expect((await seen()).map((r) => r.type)).toEqual(['VolunteerRegistered', 'VolunteerRegistered']);
    const checkpoint = async () =>
      (await db.pool.query<{ position: number }>("SELECT position FROM es_checkpoints WHERE name = 'consumer:pg-test'")).rows[0]?.position;
    // The last event is not a volunteer's: the checkpoint still reaches it.
    await waitFor('checkpoint at the head', async () => (await checkpoint()) === (await store.headPosition()));
    expect(await checkpoint()).toBe(10);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    expect(() => consumerMigrations('evaluation; DROP TABLE x')).toThrow(/not a schema name/);
    await expect(subscribe({ pool: db.pool, brokers: [], groupId: 'x', schema: 'Bad-Name', handle: async () => undefined })).rejects.toThrow(
      /not a schema name/,
    );
  });
});

describe('the backoffice without KAFKA_BROKERS', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const saved = process.env.KAFKA_BROKERS;

  beforeAll(async () => {
    delete process.env.KAFKA_BROKERS;
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    if (saved !== undefined) process.env.KAFKA_BROKERS = saved;
    await app.close();
    await db.drop();
  });

  it('runs no relay and says why on GET /api/v1/relay/status', async () => {
    const response = await adminFetch(`${await app.getUrl()}/api/v1/relay/status`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ enabled: false, reason: 'KAFKA_BROKERS is not set', relays: [] });
    const { rows } = await db.pool.query("SELECT name FROM es_checkpoints WHERE name LIKE 'relay:%'");
    expect(rows).toEqual([]);
  });
});
