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
  const record = (runner: string, events: readonly StoredEvent[], tx: pg.PoolClient) =>
    tx.query('INSERT INTO seen (position, runner) SELECT p, $2 FROM unnest($1::bigint[]) AS p', [events.map((e) => e.position), runner]);

  it('handles every event once, in batches, through the batches read ahead', async () => {
    const batches: number[][] = [];
    const subscription = new CatchUpSubscription(
      db.pool,
      store,
      { name: 'one', handle: async (events, tx) => void batches.push(events.map((e) => e.position)) && record('one', events, tx) },
      { batchSize: 5 },
    );
    expect(await subscription.catchUp()).toBe(12);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(batches.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await readCheckpoint(db.pool, 'one')).toBe(12);
  });

  const waitingForLock = async () =>
    (await db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")).rowCount === 1;

  it('reads again when another runner of the same name moved the checkpoint after the read ahead', async () => {
    // The checkpoint row exists, so the other runner waits on its lock (not on its first insertion).
    await db.pool.query("INSERT INTO es_checkpoints (name, position) VALUES ('shared', 0)");
    const other = new CatchUpSubscription(db.pool, store, { name: 'shared', handle: (events, tx) => record('other', events, tx) }, { batchSize: 5 });
    let otherBatch: Promise<number> | undefined;
    const first = new CatchUpSubscription(
      db.pool,
      store,
      {
        name: 'shared',
        handle: async (events, tx) => {
          // While the first batch holds the checkpoint, the other runner queues for it: it takes the
          // next batch as soon as this one commits, before the first runner's next transaction.
          if (!otherBatch) {
            otherBatch = other.processBatch();
            while (!(await waitingForLock())) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          await record('first', events, tx);
        },
      },
      { batchSize: 5 },
    );
    const handled = await first.catchUp();
    expect(await otherBatch).toBe(5);
    const { rows } = await db.pool.query<{ position: number; runner: string }>('SELECT position::int, runner FROM seen ORDER BY position');
    expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(rows.filter((r) => r.runner === 'other').map((r) => r.position)).toEqual([6, 7, 8, 9, 10]);
    expect(handled).toBe(7);
    expect(await readCheckpoint(db.pool, 'shared')).toBe(12);
  });
});
