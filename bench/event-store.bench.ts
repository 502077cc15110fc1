import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPool, migrate } from '@app/database';
import { BULK_COPY_COLUMNS, BulkAppend, PgEventStore, contentHash, eventStoreMigrations, type AppendRequest, type NewEvent } from '@app/event-store';
import { elapsedMs, inParallel, perSecond, printTable, scaled, withFreshDatabase } from './support.js';

/**
 * Issue 2, item 6: appends of our store against Emmett's PostgreSQL event store on the same server,
 * with the same events. Every append has a concurrency check on both sides (ours 'no_stream',
 * Emmett's expected version 0: the stream must not exist yet).
 *
 * The machine may be shared, and its load drifts: each shape is cut into slices run alternately by
 * the two stores (who goes first alternates too), so both see the same conditions.
 *
 * Where a target may lie beyond what the server itself allows, a third side is measured in the same
 * slices on a copy of es_events (same columns, indexes and check, nothing else): the floor any store
 * pays for the shape. (a): a bare one-row INSERT committed on its own, from Node, with no version or
 * duplicate check. (d): the COPY of the very rows our bulk append sends, encoded before the clock starts.
 */

const WRITERS = 8;
const SLICES = 10;
const EVENTS_PER_APPEND_C = 100;
const EVENTS_PER_BULK_STREAM = 10;
/** Emmett has no bulk path: of appends of 100 to 5000 events by 1 to 8 writers, 1000 events by 4 writers was fastest here. */
const EMMETT_BULK_APPEND = 1000;
const EMMETT_BULK_WRITERS = 4;

type Run = (requests: AppendRequest[]) => Promise<unknown>;

interface Side {
  requests: AppendRequest[];
  run: Run;
}

interface Shape {
  name: string;
  /** Built just before the shape runs: a heap holding every shape's events made each GC pause longer. */
  build(): { ours: Side; emmett: Side; floor?: Side };
  slices: number;
  target: { ratio: number } | { perSecond: number };
}

/** A recorded phone contact in the shape of libs/recording's event, with the metadata every event carries. */
function serviceEvent(i: number): NewEvent {
  const recordId = `R-${String(i).padStart(8, '0')}`;
  return {
    eventId: randomUUID(),
    type: 'PhoneContactRecorded',
    data: { recordId, station: 'S012', community: `C${i % 40}`, occurredOn: '2026-11-03', worker: `W-${i % 97}`, household: `H-${i % 5000}`, effective: true },
    metadata: { actor: `worker:${i % 97}`, correlationId: randomUUID(), recordId, contentHash: contentHash(recordId), district: '440111', station: 'S012' },
  };
}

/** The workload of one shape: new streams, built before the clock starts so only appending is timed. */
function streams(prefix: string, appends: number, eventsEach: number): AppendRequest[] {
  return Array.from({ length: appends }, (_, i) => ({
    streamId: `case-${prefix}-${i}`,
    streamType: 'case',
    expectedVersion: 'no_stream',
    events: Array.from({ length: eventsEach }, (_, k) => serviceEvent(i * eventsEach + k)),
  }));
}

const eventCount = (requests: readonly AppendRequest[]) => requests.reduce((n, r) => n + r.events.length, 0);

function emmettAppend(store: PostgresEventStore, request: AppendRequest) {
  const events = request.events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata }));
  return store.appendToStream(request.streamId, events, { expectedStreamVersion: 0n });
}

/** The floor sides (see the top): plain writes to `floor_events`, a copy of es_events made for them. */
function floorSides(pool: pg.Pool) {
  let position = 0;
  const insert = (r: AppendRequest) => {
    const e = r.events[0]!;
    return pool.query({
      name: 'floor_insert',
      text: `INSERT INTO floor_events (position, event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at)
             VALUES ($1, $2, $3, 1, $4, 1, $5, $6, now())`,
      values: [++position, e.eventId, r.streamId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata)],
    });
  };
  /** The rows encoded when the side is built, for a shape of one slice (one import is one call). */
  const copyOf = (requests: AppendRequest[]): Side => {
    const encoded = [...BulkAppend.of(requests).rows(position + 1, new Map(requests.map((r) => [r.streamId, 0])), new Date().toISOString())];
    position += eventCount(requests);
    const run: Run = async (part) => {
      if (part.length !== requests.length) throw new Error('the COPY floor sends its rows encoded beforehand: its shape must run in one slice');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await pipeline(Readable.from(encoded), client.query(copyStreams.from(`COPY floor_events (${BULK_COPY_COLUMNS}) FROM STDIN`)));
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    };
    return { requests, run };
  };
  return { insert, copyOf };
}

function shapes(ours: PgEventStore, emmett: PostgresEventStore, floor: ReturnType<typeof floorSides>): Shape[] {
  const sequential = (append: (r: AppendRequest) => Promise<unknown>): Run => async (requests) => {
    for (const r of requests) await append(r);
  };
  const concurrent = (writers: number, append: (r: AppendRequest) => Promise<unknown>): Run => (requests) =>
    inParallel(requests.length, writers, (i) => append(requests[i]!));
  const oursAppend = (r: AppendRequest) => ours.append(r);
  const theirAppend = (r: AppendRequest) => emmettAppend(emmett, r);
  // The stores live in separate databases: both get the very same requests.
  const same = (requests: () => AppendRequest[], oursRun: Run, emmettRun: Run) => () => {
    const built = requests();
    return { ours: { requests: built, run: oursRun }, emmett: { requests: built, run: emmettRun } };
  };
  const a = scaled(10_000);
  const bulkThousands = scaled(100);
  return [
    {
      name: `(a) 1 event/append, sequential, ${a} streams`,
      build: () => ({
        ...same(() => streams('a', a, 1), sequential(oursAppend), sequential(theirAppend))(),
        floor: { requests: streams('a-floor', a, 1), run: sequential(floor.insert) },
      }),
      slices: SLICES,
      target: { ratio: 2 },
    },
    {
      name: `(b) 1 event/append, ${WRITERS} concurrent writers`,
      build: same(() => streams('b', scaled(10_000), 1), concurrent(WRITERS, oursAppend), concurrent(WRITERS, theirAppend)),
      slices: SLICES,
      target: { ratio: 4 },
    },
    {
      name: `(c) ${EVENTS_PER_APPEND_C} events/append, sequential`,
      build: same(() => streams('c', scaled(500), EVENTS_PER_APPEND_C), sequential(oursAppend), sequential(theirAppend)),
      slices: SLICES,
      target: { ratio: 2 },
    },
    {
      // One import is one call: not sliced.
      name: `(d) bulk import of ${bulkThousands * 1000} events`,
      build: () => ({
        ours: { requests: streams('d', bulkThousands * (1000 / EVENTS_PER_BULK_STREAM), EVENTS_PER_BULK_STREAM), run: (rs) => ours.appendBulk(rs) },
        emmett: { requests: streams('d', bulkThousands, EMMETT_BULK_APPEND), run: concurrent(EMMETT_BULK_WRITERS, theirAppend) },
        floor: floor.copyOf(streams('d-floor', bulkThousands * (1000 / EVENTS_PER_BULK_STREAM), EVENTS_PER_BULK_STREAM)),
      }),
      slices: 1,
      target: { perSecond: 100_000 },
    },
  ];
}

/**
 * Events per second of each side on one shape (slices alternating between them, who goes first
 * rotating), and events appended by the two stores.
 */
async function measure(shape: Shape): Promise<{ ours: number; emmett: number; floor?: number; events: { ours: number; emmett: number } }> {
  const { ours, emmett, floor } = shape.build();
  const sides = floor ? [ours, emmett, floor] : [ours, emmett];
  const spent = sides.map(() => 0);
  for (let slice = 0; slice < shape.slices; slice++) {
    for (let turn = 0; turn < sides.length; turn++) {
      const k = (slice + turn) % sides.length;
      const { requests, run } = sides[k]!;
      const size = Math.ceil(requests.length / shape.slices);
      const part = requests.slice(slice * size, (slice + 1) * size);
      spent[k]! += await elapsedMs(() => run(part));
    }
  }
  const rate = (k: number) => eventCount(sides[k]!.requests) / (spent[k]! / 1000);
  return { ours: rate(0), emmett: rate(1), floor: floor && rate(2), events: { ours: eventCount(ours.requests), emmett: eventCount(emmett.requests) } };
}

async function countEvents(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

export async function eventStoreBench(): Promise<void> {
  await withFreshDatabase('bench_es', (oursUrl) =>
    withFreshDatabase('bench_emmett', async (emmettUrl) => {
      // createPool parses as the app does whatever Emmett's driver sets in pg's global types.
      const pool = createPool(oursUrl, 10);
      await migrate(pool, eventStoreMigrations);
      const emmett = getPostgreSQLEventStore(emmettUrl);
      const emmettPool = createPool(emmettUrl, 1);
      try {
        await emmett.schema.migrate();
        const ours = new PgEventStore(pool);
        await pool.query('CREATE TABLE floor_events (LIKE es_events INCLUDING ALL)');
        // BENCH_SHAPES=a,c runs only those shapes (for investigating one of them).
        const only = process.env.BENCH_SHAPES?.split(',').map((s) => `(${s.trim()})`);
        const plan = shapes(ours, emmett, floorSides(pool)).filter((shape) => !only || only.some((o) => shape.name.startsWith(o)));
        // Connections opened, functions compiled and plans cached on both sides before any timing.
        // Both the concurrent and the sequential paths are run long enough for V8 to optimise them
        // (a few hundred sequential appends left (a)'s first slices of each store on cold code).
        const warm = streams('warm', 200, 2);
        const warmSequential = streams('warm-seq', 2000, 1);
        await inParallel(warm.length, WRITERS, (i) => ours.append(warm[i]!));
        await inParallel(warm.length, WRITERS, (i) => emmettAppend(emmett, warm[i]!));
        for (const r of warmSequential) await ours.append(r);
        for (const r of warmSequential) await emmettAppend(emmett, r);
        const rows: string[][] = [];
        const warmed = eventCount(warm) + eventCount(warmSequential);
        const expected = { ours: warmed, emmett: warmed };
        for (const shape of plan) {
          const { ours: mine, emmett: theirs, floor, events } = await measure(shape);
          expected.ours += events.ours;
          expected.emmett += events.emmett;
          const ratio = mine / theirs;
          const met = 'ratio' in shape.target ? ratio >= shape.target.ratio : mine >= shape.target.perSecond;
          const target = 'ratio' in shape.target ? `>= ${shape.target.ratio}x` : `>= ${perSecond(shape.target.perSecond)}/s`;
          const floorText = floor === undefined ? '-' : `${perSecond(floor)} (${(floor / theirs).toFixed(2)}x)`;
          rows.push([shape.name, perSecond(mine), perSecond(theirs), `${ratio.toFixed(2)}x`, target, met ? 'yes' : 'NO', floorText]);
        }
        // Both stores must hold every event the shapes claim, or the figures mean nothing.
        const stored = { ours: await countEvents(pool, 'es_events'), emmett: await countEvents(emmettPool, 'emt_messages') };
        if (stored.ours !== expected.ours || stored.emmett !== expected.emmett) {
          throw new Error(`stored ${stored.ours} / ${stored.emmett} events (ours / Emmett), expected ${expected.ours} / ${expected.emmett}`);
        }
        console.log('\nevent store appends (events/s), ours vs @event-driven-io/emmett-postgresql 0.42.0, same server');
        printTable(['shape', 'ours ev/s', 'emmett ev/s', 'ratio', 'target', 'met?', 'floor ev/s (vs emmett)'], rows);
        console.log('floor: what the server allows any store, same slices, on a copy of es_events; (a) a bare one-row INSERT +');
        console.log('COMMIT per event, no checks; (d) the COPY of our bulk rows alone, encoded before the clock starts');
      } finally {
        await emmett.close();
        await emmettPool.end();
        await pool.end();
      }
    }),
  );
}
