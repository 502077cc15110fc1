import { randomUUID } from 'node:crypto';
import {
  BulkAppend,
  CatchUpSubscription,
  InvalidEventError,
  PgEventStore,
  APPENDED_CHANNEL,
  Upcasters,
  WrongExpectedVersionError,
  eventStoreMigrations,
  readCheckpoint,
  type AppendRequest,
  type StoredEvent,
} from '@app/event-store';
import { migrate } from '@app/database';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const actor = 'worker:test';

function request(streamId: string, expectedVersion: AppendRequest['expectedVersion'], count = 1, type = 'ThingHappened'): AppendRequest {
  return {
    streamId,
    streamType: 'thing',
    expectedVersion,
    events: Array.from({ length: count }, (_, i) => ({
      eventId: randomUUID(),
      type,
      data: { n: i },
      metadata: { actor, station: 'S1', district: '440111' },
    })),
  };
}

describe('PostgreSQL event store', () => {
  let db: TestDatabase;
  let store: PgEventStore;

  beforeAll(async () => {
    db = await createTestDatabase(eventStoreMigrations);
    store = new PgEventStore(db.pool);
  });
  afterAll(async () => db.drop());

  it('appends events to a stream and reads them back in version order with their metadata', async () => {
    const stream = `thing-${randomUUID()}`;
    const first = await store.append(request(stream, 'no_stream', 2));
    const second = await store.append(request(stream, 2, 1));
    expect(first).toMatchObject({ status: 'appended', nextVersion: 2 });
    expect(second).toMatchObject({ status: 'appended', nextVersion: 3 });
    const events = await store.readStream(stream);
    expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(events[0]!.metadata).toMatchObject({ actor, station: 'S1', district: '440111' });
    expect(events[0]!.recordedAt).toBeInstanceOf(Date);
    expect(events[0]!.schemaVersion).toBe(1);
  });

  it('rejects a stale expected version with a conflict that names the actual version', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.append(request(stream, 'no_stream', 3));
    await expect(store.append(request(stream, 2))).rejects.toThrow(WrongExpectedVersionError);
    await expect(store.append(request(stream, 'no_stream'))).rejects.toMatchObject({ actual: 3, expected: 'no_stream' });
    expect(await store.streamVersion(stream)).toBe(3);
  });

  it('lets exactly one of many concurrent appends with the same expected version win', async () => {
    const stream = `thing-${randomUUID()}`;
    await store.append(request(stream, 'no_stream'));
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => store.append(request(stream, 1))));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected).toHaveLength(11);
    rejected.forEach((o) => expect(o.reason).toBeInstanceOf(WrongExpectedVersionError));
    expect(await store.streamVersion(stream)).toBe(2);
  });

  it('stores an event id once and tells the caller the second append was a duplicate', async () => {
    const stream = `thing-${randomUUID()}`;
    const original = request(stream, 'no_stream');
    original.events[0]!.metadata.contentHash = 'hash-1';
    const first = await store.append(original);
    const again = await store.append({ ...original, expectedVersion: 'any' });
    expect(first.status).toBe('appended');
    expect(again).toMatchObject({ status: 'duplicate', eventId: original.events[0]!.eventId, contentHash: 'hash-1' });
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('treats an append as a duplicate when any of its event ids is stored, naming the stored event', async () => {
    const stored = request(`thing-${randomUUID()}`, 'no_stream');
    await store.append(stored);
    const stream = `thing-${randomUUID()}`;
    const mixed = request(stream, 'no_stream', 3);
    mixed.events[1] = { ...mixed.events[1]!, eventId: stored.events[0]!.eventId };
    expect(await store.append(mixed)).toMatchObject({ status: 'duplicate', eventId: stored.events[0]!.eventId });
    expect(await store.readStream(stream)).toHaveLength(0);
  });

  it('commits the appends of 8 concurrent writers together: one transaction per round of the 8', async () => {
    const rounds = 10;
    const prefix = `shared-${randomUUID()}`;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; i < rounds; i++) await store.append(request(`${prefix}-${w}`, i === 0 ? 'no_stream' : i));
      }),
    );
    const { rows } = await db.pool.query<{ events: number; commits: number }>(
      'SELECT count(*)::int AS events, count(DISTINCT xmin::text)::int AS commits FROM es_events WHERE stream_id LIKE $1',
      [`${prefix}-%`],
    );
    expect(rows[0]!.events).toBe(8 * rounds);
    // The first caller starts a commit alone, the other 7 share the next; from then on all 8 share each.
    expect(rows[0]!.commits).toBeLessThanOrEqual(rounds + 2);
  });

  it('answers each append of a group commit with the positions and versions its events were stored at', async () => {
    const streams = [0, 1, 2].map(() => `thing-${randomUUID()}`);
    const results = await Promise.all([
      store.append(request(streams[0]!, 'no_stream', 3)),
      store.append(request(streams[1]!, 'no_stream', 1)),
      store.append(request(streams[2]!, 'no_stream', 2)),
    ]);
    for (const [i, result] of results.entries()) {
      const stored = await store.readStream(streams[i]!);
      expect(result).toEqual({
        status: 'appended',
        streamId: streams[i],
        nextVersion: stored.length,
        positions: stored.map((e) => e.position),
      });
    }
  });

  it('tells the second of two appends sharing an event id in one group commit that it is a duplicate of the first', async () => {
    const first = request(`thing-${randomUUID()}`, 'no_stream');
    first.events[0]!.metadata.contentHash = 'hash-shared';
    const second = { ...request(`thing-${randomUUID()}`, 'no_stream'), events: first.events };
    const [a, b] = await Promise.all([store.append(first), store.append(second)]);
    expect(a.status).toBe('appended');
    expect(b).toEqual({
      status: 'duplicate',
      streamId: second.streamId,
      eventId: first.events[0]!.eventId,
      position: (a as { positions: number[] }).positions[0],
      contentHash: 'hash-shared',
    });
    expect(await store.readStream(second.streamId)).toHaveLength(0);
  });

  it('chains appends to one stream within a group commit: each checks the version the one before it left', async () => {
    const stream = `thing-${randomUUID()}`;
    const outcomes = await Promise.allSettled([
      store.append(request(stream, 'no_stream', 2)),
      store.append(request(stream, 2, 1)),
      store.append(request(stream, 'any', 2)),
      store.append(request(stream, 2, 1)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[3] as PromiseRejectedResult).reason).toMatchObject({ expected: 2, actual: 5 });
    expect((await store.readStream(stream)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the jsonb es_append for appends inside a caller transaction, with the same checks', async () => {
    const stream = `thing-${randomUUID()}`;
    const first = request(stream, 'no_stream', 2);
    const call = async (appends: AppendRequest[]) =>
      (await db.pool.query<{ r: unknown[] }>('SELECT es_append($1::jsonb) AS r', [JSON.stringify(appends)])).rows[0]!.r;
    const [appended] = await call([first]);
    const stored = await store.readStream(stream);
    expect(appended).toEqual({ status: 'appended', nextVersion: 2, firstPosition: stored[0]!.position });
    expect(await call([request(stream, 1), first, request(stream, 'any')])).toEqual([
      { status: 'conflict', actual: 2 },
      { status: 'duplicate', eventId: first.events[0]!.eventId, position: stored[0]!.position, contentHash: null },
      { status: 'appended', nextVersion: 3, firstPosition: stored[1]!.position + 1 },
    ]);
  });

  it.each([
    ['a type that is not a PascalCase name', { type: 'thing-happened' }],
    ['an event id that is not a UUID', { eventId: 'not-a-uuid' }],
    ['no actor in the metadata', { metadata: {} }],
    ['a schema version below 1', { schemaVersion: 0 }],
  ])('refuses an event with %s and stores nothing', async (_label, override) => {
    const stream = `thing-${randomUUID()}`;
    const bad = request(stream, 'no_stream');
    bad.events[0] = { ...bad.events[0]!, ...override } as never;
    await expect(store.append(bad)).rejects.toThrow(InvalidEventError);
    expect(await store.readStream(stream)).toHaveLength(0);
  });

  it('keeps the other appends of a group commit when one of them fails', async () => {
    const good = `thing-${randomUUID()}`;
    const stale = `thing-${randomUUID()}`;
    await store.append(request(stale, 'no_stream'));
    const [ok, conflict] = await Promise.allSettled([store.append(request(good, 'no_stream')), store.append(request(stale, 0))]);
    expect(ok.status).toBe('fulfilled');
    expect(conflict.status).toBe('rejected');
    expect(await store.streamVersion(good)).toBe(1);
  });

  it('fails only the caller whose append breaks the shared statement (one event id twice), not its group', async () => {
    const broken = request(`thing-${randomUUID()}`, 'no_stream', 2);
    broken.events[1] = { ...broken.events[1]!, eventId: broken.events[0]!.eventId };
    const good = [0, 1, 2].map(() => request(`thing-${randomUUID()}`, 'no_stream'));
    const outcomes = await Promise.allSettled([store.append(good[0]!), store.append(broken), store.append(good[1]!), store.append(good[2]!)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(/es_events_event_id/);
    for (const r of good) expect(await store.streamVersion(r.streamId)).toBe(1);
    expect(await store.readStream(broken.streamId)).toHaveLength(0);
  });

  it('refuses to update or delete a stored event', async () => {
    await store.append(request(`thing-${randomUUID()}`, 'no_stream'));
    await expect(db.pool.query("UPDATE es_events SET data = '{}'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM es_events')).rejects.toThrow(/append-only/);
  });

  it('reads an old schema version as the current one through an upcaster', async () => {
    const stream = `thing-${randomUUID()}`;
    const old = request(stream, 'no_stream', 1, 'NameGiven');
    old.events[0] = { ...old.events[0]!, data: { fullName: 'Chen' }, schemaVersion: 1 };
    await store.append(old);
    const upcasting = new PgEventStore(db.pool, {
      upcasters: new Upcasters([{ type: 'NameGiven', fromVersion: 1, upcast: (d) => ({ name: (d as { fullName: string }).fullName }) }]),
    });
    const [event] = await upcasting.readStream(stream);
    expect(event).toMatchObject({ schemaVersion: 2, data: { name: 'Chen' } });
  });

  it('bulk-appends many streams with COPY in contiguous positions and correct stream versions', async () => {
    const a = `thing-${randomUUID()}`;
    const b = `thing-${randomUUID()}`;
    await store.append(request(a, 'no_stream', 2));
    const { first, last } = await store.appendBulk([request(a, 2, 3), request(b, 'no_stream', 4), request(a, 5, 1)]);
    expect(last - first + 1).toBe(8);
    expect((await store.readStream(a)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await store.readStream(b)).map((e) => e.position)).toEqual([first + 3, first + 4, first + 5, first + 6]);
    const text = request(b, 4);
    text.events[0]!.data = { note: 'tab\there\nnew line \\ backslash 社工' };
    await store.appendBulk([text]);
    expect((await store.readStream(b)).at(-1)!.data).toEqual(text.events[0]!.data);
  });

  it('bulk-appends events encoded before the append (BulkAppend) as it appends the requests, and the same encoding may be read and sent again (after a stale refusal)', async () => {
    const behind = `thing-${randomUUID()}`;
    const tabbed = `thing-${randomUUID()}\tsecond\\part`;
    const first = request(tabbed, 'no_stream', 2);
    first.events[1]!.metadata = { actor: 'tester', note: '社工\\站\n' };
    const bulk = new BulkAppend();
    bulk.add(first);
    bulk.add(request(behind, 1, 1));
    expect(bulk.eventCount).toBe(3);
    // Read once before any append: the appends below send the bytes encoded then, again.
    const text = Buffer.concat([...bulk.rows(10, new Map([[tabbed, 0], [behind, 1]]), 'T')]).toString('utf8').split('\n');
    expect(text.map((row) => row.split('\t').slice(-3).join(' '))).toEqual(['1 10 T', '2 11 T', '2 12 T', '']);
    expect(text[0]!.split('\t')[1]).toBe(tabbed.replace('\\', '\\\\').replace('\t', '\\t'));
    await expect(store.appendBulk(bulk)).rejects.toThrow(WrongExpectedVersionError);
    expect(await store.readStream(tabbed)).toHaveLength(0);
    await store.append(request(behind, 'no_stream'));
    const { first: at } = await store.appendBulk(bulk);
    const stored = await store.readStream(tabbed);
    expect(stored.map((e) => [e.position, e.streamVersion, e.eventId, e.data])).toEqual(first.events.map((e, k) => [at + k, k + 1, e.eventId, e.data]));
    expect(stored[1]!.metadata).toEqual(first.events[1]!.metadata);
    expect((await store.readStream(behind)).map((e) => [e.streamVersion, e.position])).toEqual([[1, expect.any(Number)], [2, at + 2]]);
    expect(() => bulk.add(request(behind, 2))).toThrow(/complete/);
    expect(() => BulkAppend.of([]).add(request(behind, 2))).toThrow(/complete/);
  });

  it('writes nothing of a bulk append whose expected version is stale', async () => {
    const a = `thing-${randomUUID()}`;
    const fresh = `thing-${randomUUID()}`;
    await store.append(request(a, 'no_stream'));
    await expect(store.appendBulk([request(fresh, 'no_stream', 2), request(a, 0)])).rejects.toThrow(WrongExpectedVersionError);
    expect(await store.readStream(fresh)).toHaveLength(0);
    expect(await store.streamVersion(fresh)).toBe(0);
    expect(await store.streamVersion(a)).toBe(1);
  });

  it('checks a bulk append that waited for another writer against what that writer committed: stale, not an index clash', async () => {
    const stream = `thing-${randomUUID()}`;
    const tx = await db.pool.connect();
    let second: Promise<unknown>;
    try {
      await tx.query('BEGIN');
      await store.appendBulk([request(stream, 'no_stream', 2)], tx);
      second = store.appendBulk([request(`thing-${randomUUID()}`, 'no_stream', 5), request(stream, 'no_stream', 3)]);
      second.catch(() => undefined);
      // The second one is under way (waiting for the append lock) when the first commits.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await tx.query('COMMIT');
    } finally {
      tx.release();
    }
    await expect(second).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect((await store.readStream(stream)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('tells listeners once a bulk append is committed, and appends in a caller transaction only with it', async () => {
    const listener = await db.pool.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    try {
      await listener.query(`LISTEN ${APPENDED_CHANNEL}`);
      await store.appendBulk([request(`thing-${randomUUID()}`, 'no_stream', 2)]);
      for (let i = 0; i < 50 && heard.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toEqual([APPENDED_CHANNEL]);
      heard.length = 0;

      const stream = `thing-${randomUUID()}`;
      const tx = await db.pool.connect();
      try {
        await tx.query('BEGIN');
        await store.appendBulk([request(stream, 'no_stream', 3)], tx);
        expect(await store.streamVersion(stream)).toBe(0);
        await tx.query('ROLLBACK');
      } finally {
        tx.release();
      }
      expect(await store.readStream(stream)).toHaveLength(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([]);
    } finally {
      await listener.query(`UNLISTEN ${APPENDED_CHANNEL}`);
      listener.release();
    }
  });
});

describe('event store migrations', () => {
  it('brings a database made by the first migration forward: its events kept, its streams appended to', async () => {
    const db = await createTestDatabase(eventStoreMigrations.slice(0, 1));
    try {
      const stream = `thing-${randomUUID()}`;
      const old = request(stream, 'no_stream', 2);
      old.events[0]!.data = { nested: { list: [1, 'two', null] }, text: 'tab\t社工' };
      await db.pool.query('SELECT es_append($1::jsonb)', [JSON.stringify([old])]);
      await migrate(db.pool, eventStoreMigrations);
      const store = new PgEventStore(db.pool);
      expect(await store.append(request(stream, 2))).toMatchObject({ status: 'appended', nextVersion: 3 });
      const events = await store.readStream(stream);
      expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
      expect(events[0]!.data).toEqual(old.events[0]!.data);
      expect(await store.append(old)).toMatchObject({ status: 'duplicate', eventId: old.events[0]!.eventId });
    } finally {
      await db.drop();
    }
  });
});

describe('catch-up subscription', () => {
  let db: TestDatabase;
  let store: PgEventStore;

  beforeEach(async () => {
    db = await createTestDatabase([
      ...eventStoreMigrations,
      { id: '9000_test_effects', sql: 'CREATE TABLE seen (position bigint PRIMARY KEY, event_id uuid NOT NULL)' },
    ]);
    store = new PgEventStore(db.pool);
  });
  afterEach(async () => db.drop());

  const recorder = (name = 'recorder') => ({
    name,
    handle: async (events: readonly StoredEvent[], tx: import('pg').PoolClient) => {
      // A primary key on position: applying any event twice would fail the test loudly.
      await tx.query('INSERT INTO seen (position, event_id) SELECT * FROM unnest($1::bigint[], $2::uuid[])', [
        events.map((e) => e.position),
        events.map((e) => e.eventId),
      ]);
    },
  });

  it('never skips an event while 8 writers, some holding long transactions, append concurrently', async () => {
    const subscription = new CatchUpSubscription(db.pool, store, recorder(), { batchSize: 17, pollMs: 5 });
    await subscription.start();
    const slowWriter = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        const client = await db.pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('SELECT es_append($1::jsonb)', [JSON.stringify([{ ...request(`slow-${w}-${i}`, 'no_stream', 2) }])]);
          await client.query(`SELECT pg_sleep(${Math.random() * 0.01})`);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }
    };
    const fastWriter = async (w: number) => {
      for (let i = 0; i < 40; i++) await store.append(request(`fast-${w}-${i % 5}`, 'any', 1 + (i % 3)));
    };
    await Promise.all([0, 1, 2, 3].map(slowWriter).concat([4, 5, 6, 7].map(fastWriter)));
    await subscription.stop();
    await subscription.catchUp();
    const committed = await db.pool.query<{ event_id: string; position: number }>('SELECT event_id, position FROM es_events ORDER BY position');
    const seen = await db.pool.query<{ event_id: string; position: number }>('SELECT event_id, position FROM seen ORDER BY position');
    expect(committed.rowCount).toBe(4 * 15 * 2 + 4 * (14 * 1 + 13 * 2 + 13 * 3));
    expect(seen.rows).toEqual(committed.rows);
    expect(await readCheckpoint(db.pool, 'recorder')).toBe(committed.rows.at(-1)!.position);
  });

  it('never skips a transaction that took its position first and commits after others were read', async () => {
    const subscription = new CatchUpSubscription(db.pool, store, recorder(), { pollMs: 5 });
    await subscription.start();
    const early = await db.pool.connect();
    try {
      await early.query('BEGIN');
      await early.query('SELECT es_append($1::jsonb)', [JSON.stringify([request(`early-${randomUUID()}`, 'no_stream')])]);
      // Later appends while the early transaction is open: if they could commit now, the subscriber
      // would read them and move its checkpoint past the early position before it commits.
      const later = Promise.all([0, 1, 2, 3].map((i) => store.append(request(`later-${i}`, 'no_stream'))));
      const settled = await Promise.race([later.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 300))]);
      if (settled) {
        const { rows } = await db.pool.query<{ p: number }>('SELECT max(position) AS p FROM es_events');
        for (let waited = 0; (await readCheckpoint(db.pool, 'recorder')) < rows[0]!.p && waited < 2000; waited += 10) {
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await early.query('COMMIT');
      await later;
    } finally {
      early.release();
    }
    await subscription.stop();
    await subscription.catchUp();
    const committed = await db.pool.query('SELECT event_id, position FROM es_events ORDER BY position');
    const seen = await db.pool.query('SELECT event_id, position FROM seen ORDER BY position');
    expect(committed.rowCount).toBe(5);
    expect(seen.rows).toEqual(committed.rows);
  });

  it('rolls back the checkpoint with the work when the handler fails, reports the failure until a catch-up gets past it, and applies each event once', async () => {
    for (let i = 0; i < 10; i++) await store.append(request(`t-${i}`, 'no_stream'));
    let failures = 1;
    const flaky = {
      name: 'flaky',
      handle: async (events: readonly StoredEvent[], tx: import('pg').PoolClient) => {
        await recorder().handle(events, tx);
        if (failures-- > 0) throw new Error('crash in the middle of a batch');
      },
    };
    const subscription = new CatchUpSubscription(db.pool, store, flaky, { batchSize: 4 });
    await expect(subscription.catchUp()).rejects.toThrow('crash');
    expect(await readCheckpoint(db.pool, 'flaky')).toBe(0);
    expect((await db.pool.query('SELECT * FROM seen')).rowCount).toBe(0);
    expect(await subscription.status()).toMatchObject({ name: 'flaky', running: false, checkpoint: 0, lastError: { message: 'crash in the middle of a batch' } });
    expect(await subscription.catchUp()).toBe(10);
    expect((await db.pool.query('SELECT * FROM seen')).rowCount).toBe(10);
    expect(await subscription.lag()).toBe(0);
    expect((await subscription.status()).lastError).toBeNull();
  });

  it('loses nothing when its database connection is killed in the middle of a batch', async () => {
    for (let i = 0; i < 6; i++) await store.append(request(`k-${i}`, 'no_stream'));
    let killed = false;
    const dying = {
      name: 'dying',
      handle: async (events: readonly StoredEvent[], tx: import('pg').PoolClient) => {
        await recorder().handle(events, tx);
        if (!killed) {
          killed = true;
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
      },
    };
    const subscription = new CatchUpSubscription(db.pool, store, dying, { batchSize: 3 });
    await expect(subscription.catchUp()).rejects.toThrow();
    expect(await subscription.catchUp()).toBe(6);
    const seen = await db.pool.query<{ position: number }>('SELECT position FROM seen ORDER BY position');
    expect(seen.rows.map((r) => r.position)).toEqual((await store.readAll({ after: 0 })).map((e) => e.position));
  });

  it('with a type filter reads only those types and still moves its checkpoint past the others', async () => {
    await store.append(request('a', 'no_stream', 3, 'Wanted'));
    await store.append(request('b', 'no_stream', 4, 'Other'));
    const seen: string[] = [];
    const subscription = new CatchUpSubscription(db.pool, store, {
      name: 'filtered',
      types: ['Wanted'],
      handle: async (events) => void seen.push(...events.map((e) => e.type)),
    });
    expect(await subscription.catchUp()).toBe(3);
    expect(seen).toEqual(['Wanted', 'Wanted', 'Wanted']);
    expect(await subscription.lag()).toBe(0);
  });
});
