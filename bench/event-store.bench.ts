import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPool, migrate } from '@app/database';
import { PgEventStore, contentHash, eventStoreMigrations, type AppendRequest, type NewEvent } from '@app/event-store';
import { inParallel, perSecond, printTable, rate, scaled, withFreshDatabase } from './support.js';

/**
 * Issue 2, item 6: appends of our store against Emmett's PostgreSQL event store, on the same server,
 * same events, each shape measured for both in the same run. Every append has a concurrency check
 * on both sides (ours 'no_stream', Emmett's expected version 0: the stream row must not exist).
 */

const WRITERS = 8;
const EVENTS_PER_APPEND_C = 100;
const EVENTS_PER_BULK_STREAM = 10;
/** Emmett has no bulk path: appends of 1000 events, 4 at a time, was its fastest here. */
const EMMETT_BULK_WRITERS = 4;

interface Shape {
  name: string;
  events: number;
  ours: (s: Subjects) => Promise<unknown>;
  emmett: (s: Subjects) => Promise<unknown>;
  target: { ratio: number } | { perSecond: number };
}

interface Subjects {
  ours: PgEventStore;
  emmett: PostgresEventStore;
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

const newStream = (streamId: string, count: number, offset = 0): AppendRequest => ({
  streamId,
  streamType: 'case',
  expectedVersion: 'no_stream',
  events: Array.from({ length: count }, (_, i) => serviceEvent(offset + i)),
});

const emmettAppend = (store: PostgresEventStore, request: AppendRequest) =>
  store.appendToStream(
    request.streamId,
    request.events.map((e) => ({ type: e.type, data: e.data as Record<string, unknown>, metadata: e.metadata })),
    { expectedStreamVersion: 0n },
  );

/** The workload of one shape, built before the clock starts so only appending is timed. */
function streams(prefix: string, appends: number, eventsEach: number): AppendRequest[] {
  return Array.from({ length: appends }, (_, i) => newStream(`case-${prefix}-${i}`, eventsEach, i * eventsEach));
}

function shapes(): Shape[] {
  const a = scaled(10_000);
  const b = scaled(10_000);
  const c = scaled(500);
  const dThousands = scaled(100);
  const sequential = async (requests: AppendRequest[], append: (r: AppendRequest) => Promise<unknown>) => {
    for (const r of requests) await append(r);
  };
  const concurrent = (requests: AppendRequest[], writers: number, append: (r: AppendRequest) => Promise<unknown>) =>
    inParallel(requests.length, writers, (i) => append(requests[i]!));
  // The stores live in separate databases: both get the very same requests.
  const wa = streams('a', a, 1);
  const wb = streams('b', b, 1);
  const wc = streams('c', c, EVENTS_PER_APPEND_C);
  const wdOurs = streams('d', (dThousands * 1000) / EVENTS_PER_BULK_STREAM, EVENTS_PER_BULK_STREAM);
  const wdEmmett = streams('d', dThousands, 1000);
  return [
    {
      name: `(a) 1 event/append, sequential, ${a} streams`,
      events: a,
      ours: (s) => sequential(wa, (r) => s.ours.append(r)),
      emmett: (s) => sequential(wa, (r) => emmettAppend(s.emmett, r)),
      target: { ratio: 2 },
    },
    {
      name: `(b) 1 event/append, ${WRITERS} concurrent writers`,
      events: b,
      ours: (s) => concurrent(wb, WRITERS, (r) => s.ours.append(r)),
      emmett: (s) => concurrent(wb, WRITERS, (r) => emmettAppend(s.emmett, r)),
      target: { ratio: 4 },
    },
    {
      name: `(c) ${EVENTS_PER_APPEND_C} events/append, sequential`,
      events: c * EVENTS_PER_APPEND_C,
      ours: (s) => sequential(wc, (r) => s.ours.append(r)),
      emmett: (s) => sequential(wc, (r) => emmettAppend(s.emmett, r)),
      target: { ratio: 2 },
    },
    {
      name: `(d) bulk import of ${dThousands * 1000} events`,
      events: dThousands * 1000,
      ours: (s) => s.ours.appendBulk(wdOurs),
      emmett: (s) => concurrent(wdEmmett, EMMETT_BULK_WRITERS, (r) => emmettAppend(s.emmett, r)),
      target: { perSecond: 100_000 },
    },
  ];
}

async function warmUp(subjects: Subjects): Promise<void> {
  const warm = (prefix: string) => streams(`warm${prefix}`, 200, 2);
  const ours = warm('o');
  const emmett = warm('e');
  await inParallel(ours.length, WRITERS, (i) => subjects.ours.append(ours[i]!));
  await inParallel(emmett.length, WRITERS, (i) => emmettAppend(subjects.emmett, emmett[i]!));
}

/**
 * Our store's pool, parsing results as the app does (int8 as number, JSON with JSON.parse) whatever
 * Emmett's driver layer sets globally in pg.types when it starts (int8 as BigInt, its own JSON reader).
 */
function oursPool(url: string): pg.Pool {
  const own: Record<number, (value: string) => unknown> = {
    [pg.types.builtins.INT8]: Number,
    [pg.types.builtins.JSON]: JSON.parse,
    [pg.types.builtins.JSONB]: JSON.parse,
  };
  const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => own[oid] ?? pg.types.getTypeParser(oid, format) };
  return new pg.Pool({ connectionString: url, max: 10, types: types as pg.CustomTypesConfig });
}

async function countEvents(pool: pg.Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

export async function eventStoreBench(): Promise<void> {
  // BENCH_SHAPES=a,c runs only those shapes (for investigating one of them).
  const only = process.env.BENCH_SHAPES?.split(',').map((s) => `(${s.trim()})`);
  const plan = shapes().filter((shape) => !only || only.some((o) => shape.name.startsWith(o)));
  await withFreshDatabase('bench_es', (oursUrl) =>
    withFreshDatabase('bench_emmett', async (emmettUrl) => {
      const pool = oursPool(oursUrl);
      await migrate(pool, eventStoreMigrations);
      const emmett = getPostgreSQLEventStore(emmettUrl);
      const emmettPool = createPool(emmettUrl, 1);
      try {
        await emmett.schema.migrate();
        const subjects = { ours: new PgEventStore(pool), emmett };
        await warmUp(subjects);
        const [oursBefore, emmettBefore] = [await countEvents(pool, 'es_events'), await countEvents(emmettPool, 'emt_messages')];
        const rows: string[][] = [];
        for (const shape of plan) {
          const ours = await rate(shape.events, () => shape.ours(subjects));
          const theirs = await rate(shape.events, () => shape.emmett(subjects));
          const ratio = ours / theirs;
          const met = 'ratio' in shape.target ? ratio >= shape.target.ratio : ours >= shape.target.perSecond;
          const target = 'ratio' in shape.target ? `>= ${shape.target.ratio}x` : `>= ${perSecond(shape.target.perSecond)}/s`;
          rows.push([shape.name, perSecond(ours), perSecond(theirs), `${ratio.toFixed(2)}x`, target, met ? 'yes' : 'NO']);
        }
        // Both stores must have stored every event the shapes claim, or the figures mean nothing.
        const expected = plan.reduce((n, s) => n + s.events, 0);
        const stored = [(await countEvents(pool, 'es_events')) - oursBefore, (await countEvents(emmettPool, 'emt_messages')) - emmettBefore];
        if (stored.some((n) => n !== expected)) throw new Error(`stored ${stored.join(' / ')} events (ours / Emmett), expected ${expected}`);
        console.log(`\nevent store appends (events/s), ours vs @event-driven-io/emmett-postgresql 0.42.0, same server`);
        printTable(['shape', 'ours ev/s', 'emmett ev/s', 'ratio', 'target', 'met?'], rows);
      } finally {
        await emmett.close();
        await emmettPool.end();
        await pool.end();
      }
    }),
  );
}
