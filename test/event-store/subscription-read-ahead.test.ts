import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { CatchUpSubscription, PgEventStore, eventStoreMigrations, readCheckpoint, type StoredEvent } from '@app/event-store';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * `catchUp` reads each full batch's successor on another connection while the batch is handled.
 * That read is used only if it starts where the checkpoint stands when its turn comes.
 */
describe('catch-up subscription: batch read ahead', () => {
  let db: TestDatabase;
  let store: PgEventStore;

  beforeEach(async () => {
    db = await createTestDatabase([
      ...eventStoreMigrations,
      { id: '9000_test_effects', sql: 'CREATE TABLE seen (position bigint PRIMARY KEY, runner text NOT NULL)' },
    ]);
    store = new PgEventStore(db.pool);
    await store.appendBulk([
      {
        streamId: 'things',
        streamType: 'thing',
        expectedVersion: 'no_stream',
        events: Array.from({ length: 12 }, (_, n) => ({ eventId: randomUUID(), type: 'ThingHappened', data: { n }, metadata: { actor: 'worker:test' } })),
      },
    ]);
  });
  afterEach(async () => db.drop());

  // A primary key on position: an event applied twice fails the test loudly.
  const record = async (runner: string, events: readonly StoredEvent[], tx: pg.PoolClient): Promise<void> => {
    await tx.query('INSERT INTO seen (position, runner) SELECT p, $2 FROM unnest($1::bigint[]) AS p', [events.map((e) => e.position), runner]);
  };

  it('handles every event once, in batches, through the batches read ahead', async () => {
    const batches: number[][] = [];
    const subscription = new CatchUpSubscription(
      db.pool,
      store,
      {
        name: 'one',
        handle: async (events, tx) => {
          batches.push(events.map((e) => e.position));
          await record('one', events, tx);
        },
      },
      { batchSize: 5 },
    );
    expect(await subscription.catchUp()).toBe(12);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(batches.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await readCheckpoint(db.pool, 'one')).toBe(12);
  });

  it('reads again when another runner of the same name moved the checkpoint after the read ahead', async () => {
    const other = new CatchUpSubscription(db.pool, store, { name: 'shared', handle: (events, tx) => record('other', events, tx) }, { batchSize: 5 });
    // The first runner's connections: its first batch, that batch's read ahead, then its second
    // batch, which the other runner's batch (5 events after the first 5) goes just before.
    let connections = 0;
    let otherBatch: Promise<number> | undefined;
    const pool = {
      connect: async () => {
        if (++connections === 3) await (otherBatch = other.processBatch());
        return db.pool.connect();
      },
    } as unknown as pg.Pool;
    const first = new CatchUpSubscription(pool, store, { name: 'shared', handle: (events, tx) => record('first', events, tx) }, { batchSize: 5 });
    const handled = await first.catchUp();
    expect(await otherBatch).toBe(5);
    const { rows } = await db.pool.query<{ position: number; runner: string }>('SELECT position::int, runner FROM seen ORDER BY position');
    expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(rows.filter((r) => r.runner === 'other').map((r) => r.position)).toEqual([6, 7, 8, 9, 10]);
    expect(handled).toBe(7);
    expect(await readCheckpoint(db.pool, 'shared')).toBe(12);
  });
});
