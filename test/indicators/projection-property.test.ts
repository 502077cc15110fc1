import fc from 'fast-check';
import { PgEventStore, type NewEvent, type StoredEvent } from '@app/event-store';
import type { RecordCorrected, ServiceRecordBody } from '@app/recording';
import { serviceRecordOf } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { IndicatorProjections, rebuildIndicators } from '../../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../../apps/backoffice/src/indicators/indicator-query.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { append, area, corrected, event, serviceEvent, stationRegistered } from './fixtures.js';

/**
 * For random event sequences with corrections, the projected totals equal a direct recomputation
 * from the events (written here independently of the projection), for every scope and period: live,
 * as of earlier moments, and after a rebuild.
 */

// Places: S1 and S2 in district D1, S3 in D2. S1 is re-drawn on 2024-07-01 (c2 moves from A1 to A2).
const STATIONS = { S1: 'D1', S2: 'D1', S3: 'D2' } as const;
type Station = keyof typeof STATIONS;
const COMMUNITIES = ['c1', 'c2', 'c3'] as const;
const REDRAW = '2024-07-01';
function oracleArea(station: string, community: string, day: string): string {
  if (community === 'c1') return 'A1';
  if (community === 'c3') return 'A2';
  return station === 'S1' && day >= REDRAW ? 'A2' : 'A1';
}

const DAYS = Array.from({ length: 123 }, (_, i) => new Date(Date.UTC(2024, 4, 1 + i)).toISOString().slice(0, 10)); // May–Aug 2024
const dayArb = fc.constantFrom(...DAYS);
const placeArb = fc.record({ station: fc.constantFrom<Station>('S1', 'S2', 'S3'), community: fc.constantFrom(...COMMUNITIES), occurredOn: dayArb, worker: fc.constantFrom('w1', 'w2') });

const bodyArb: fc.Arbitrary<ServiceRecordBody> = fc.oneof(
  fc.record({ place: placeArb, effective: fc.boolean() }).map(({ place, effective }) => ({ kind: 'phone_contact' as const, ...place, household: 'h1', effective })),
  fc.record({ place: placeArb, fen: fc.integer({ min: 0, max: 10_000_000 }) }).map(({ place, fen }) => ({
    kind: 'resource_linked' as const, ...place, amountYuan: `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`, resourceType: 'money' as const, source: 'x',
  })),
  fc.record({ place: placeArb, size: fc.constantFrom('large' as const, 'small' as const), attendance: fc.integer({ min: 0, max: 500 }) }).map(({ place, size, attendance }) => ({
    kind: 'activity' as const, ...place, size, attendance, title: 't',
  })),
  fc.record({ place: placeArb, attendance: fc.integer({ min: 0, max: 40 }) }).map(({ place, attendance }) => ({ kind: 'group_session' as const, ...place, group: 'g', attendance })),
  fc.record({ place: placeArb, household: fc.constantFrom('hA', 'hB', 'hC'), persons: fc.integer({ min: 1, max: 6 }) }).map(({ place, household, persons }) => ({
    kind: 'household_archived' as const, ...place, household, persons, category: '低保', riskLevel: 3,
  })),
);

type Op =
  | { op: 'record'; body: ServiceRecordBody }
  | { op: 'void'; pick: number }
  | { op: 'replace'; pick: number; place: Pick<ServiceRecordBody, 'station' | 'community' | 'occurredOn' | 'worker'>; tweak: number }
  | { op: 'mark' }
  | { op: 'catchUp' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: bodyArb.map((body) => ({ op: 'record' as const, body })) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ op: 'void' as const, pick })) },
  { weight: 2, arbitrary: fc.record({ pick: fc.nat(), place: placeArb, tweak: fc.nat() }).map((r) => ({ op: 'replace' as const, ...r })) },
  { weight: 1, arbitrary: fc.constant({ op: 'mark' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'catchUp' as const }) },
);
const periodArb = fc.tuple(dayArb, dayArb).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [string, string]);

/** A replacement of the same kind: another place and day, other figures. */
function replaced(body: ServiceRecordBody, place: Op & { op: 'replace' } extends { place: infer P } ? P : never, tweak: number): ServiceRecordBody {
  const moved = { ...body, ...place };
  switch (moved.kind) {
    case 'phone_contact':
      return { ...moved, effective: tweak % 2 === 0 };
    case 'resource_linked':
      return { ...moved, amountYuan: `${tweak % 100000}.${String(tweak % 100).padStart(2, '0')}` };
    case 'activity':
      return { ...moved, size: tweak % 2 === 0 ? 'large' : 'small', attendance: tweak % 500 };
    case 'group_session':
      return { ...moved, attendance: tweak % 40 };
    case 'household_archived':
      return { ...moved, household: ['hA', 'hB', 'hC'][tweak % 3]!, persons: 1 + (tweak % 6) };
    default:
      return moved;
  }
}

/** What each standard indicator adds for one record, written out from RECORDS.md (distinct apart). */
const ORACLE: Record<string, (r: ServiceRecordBody) => bigint> = {
  phone_contacts: (r) => (r.kind === 'phone_contact' && r.effective ? 1n : 0n),
  group_sessions: (r) => (r.kind === 'group_session' ? 1n : 0n),
  group_attendance: (r) => (r.kind === 'group_session' ? BigInt(r.attendance) : 0n),
  large_activities: (r) => (r.kind === 'activity' && r.size === 'large' ? 1n : 0n),
  large_activity_attendance: (r) => (r.kind === 'activity' && r.size === 'large' ? BigInt(r.attendance) : 0n),
  small_activities: (r) => (r.kind === 'activity' && r.size === 'small' ? 1n : 0n),
  small_activity_attendance: (r) => (r.kind === 'activity' && r.size === 'small' ? BigInt(r.attendance) : 0n),
  resources_linked_yuan: (r) => (r.kind === 'resource_linked' ? BigInt(r.amountYuan.replace('.', '')) : 0n),
  persons_archived: (r) => (r.kind === 'household_archived' ? BigInt(r.persons) : 0n),
};

interface Scope {
  text: string;
  has: (station: string, community: string, day: string) => boolean;
}
const SCOPES: Scope[] = [
  { text: 'city', has: () => true },
  ...['D1', 'D2'].map((d) => ({ text: `district:${d}`, has: (s: string) => STATIONS[s as Station] === d })),
  ...Object.keys(STATIONS).flatMap((st) => [
    { text: `station:${st}`, has: (s: string) => s === st },
    ...['A1', 'A2'].map((a) => ({ text: `area:${st}/${a}`, has: (s: string, c: string, d: string) => s === st && oracleArea(s, c, d) === a })),
    ...COMMUNITIES.map((cc) => ({ text: `community:${st}/${cc}`, has: (s: string, c: string) => s === st && c === cc })),
  ]),
];

/** Effective records (by base id, in recording order) after the events up to a position. */
function effectiveRecords(events: readonly StoredEvent[], upTo: number): Map<string, ServiceRecordBody | null> {
  const records = new Map<string, ServiceRecordBody | null>();
  for (const e of events) {
    if (e.position > upTo) break;
    if (e.type === 'RecordCorrected') records.set((e.data as RecordCorrected['data']).base, (e.data as RecordCorrected['data']).after);
    else {
      const body = serviceRecordOf(e);
      if (body) records.set((e.data as { recordId: string }).recordId, body);
    }
  }
  return records;
}

function oracleTotals(records: Map<string, ServiceRecordBody | null>, scope: Scope, from: string, to: string): Record<string, bigint> {
  const totals: Record<string, bigint> = {};
  const inScope = (r: { station: string; community: string; occurredOn: string }) => scope.has(r.station, r.community, r.occurredOn) && r.occurredOn >= from && r.occurredOn <= to;
  const firstArchive = new Map<string, { station: string; community: string; occurredOn: string; id: string }>();
  for (const [id, r] of records) {
    if (!r) continue;
    if (inScope(r)) for (const [code, measure] of Object.entries(ORACLE)) totals[code] = (totals[code] ?? 0n) + measure(r);
    if (r.kind === 'household_archived') {
      // 建档户数: a household counts once per station, where and when it was first archived.
      const key = `${r.station}/${r.household}`;
      const seen = firstArchive.get(key);
      const candidate = { station: r.station, community: r.community, occurredOn: r.occurredOn, id };
      const earlier = !seen || [r.occurredOn, r.community, id].join('\u0000') < [seen.occurredOn, seen.community, seen.id].join('\u0000');
      if (earlier) firstArchive.set(key, candidate);
    }
  }
  totals.households_archived = BigInt([...firstArchive.values()].filter(inScope).length);
  return totals;
}

describe('indicator projection: property against a direct recomputation from the events', () => {
  let db: TestDatabase;
  let store: PgEventStore;
  let queries: IndicatorQueryService;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    store = new PgEventStore(db.pool);
    queries = new IndicatorQueryService(db.pool);
  });
  afterAll(async () => db.drop());

  async function reset(): Promise<void> {
    await db.pool.query(
      'TRUNCATE es_events, es_streams, es_checkpoints, ind_totals, ind_changes, ind_distinct, ind_records, ind_stations, ind_districts, ind_contracts, ind_targets',
    );
    const setup: NewEvent[] = Object.entries(STATIONS).map(([code, district]) =>
      stationRegistered(code, district, [area('A1', ['c1', 'c2']), area('A2', ['c3'])]),
    );
    setup.push(event('StationAreasRedrawn', { recordId: 'redraw', station: 'S1', effectiveFrom: REDRAW, areas: [area('A1', ['c1']), area('A2', ['c2', 'c3'])] }));
    await store.append(append('setup', setup));
  }

  async function projectedTotals(scope: string, from: string, to: string, asOf?: string): Promise<Record<string, bigint>> {
    const table = await queries.table({ scope, from, to, asOf });
    return Object.fromEntries(table.indicators.map((row, i) => [row.code, table.exact[i]!.actual]));
  }

  async function expectAllScopes(events: StoredEvent[], periods: [string, string][], upTo: number, asOf?: string): Promise<void> {
    const records = effectiveRecords(events, upTo);
    for (const [from, to] of periods) {
      for (const scope of SCOPES) {
        const projected = await projectedTotals(scope.text, from, to, asOf);
        const expected = oracleTotals(records, scope, from, to);
        for (const [code, value] of Object.entries(projected)) {
          expect([scope.text, from, to, asOf, code, value]).toEqual([scope.text, from, to, asOf, code, expected[code] ?? 0n]);
        }
      }
    }
  }

  it('a distinct value stored by earlier batches moves to its next occurrence when the earliest ones are voided together', async () => {
    await reset();
    const projections = new IndicatorProjections(db.pool, store, { batchSize: 2 });
    const archived = (occurredOn: string, community: string): ServiceRecordBody => ({
      kind: 'household_archived', station: 'S1', community, occurredOn, worker: 'w1', household: 'hA', persons: 1, category: '低保', riskLevel: 3,
    });
    const bodies = [archived('2024-05-03', 'c1'), archived('2024-05-01', 'c2'), archived('2024-05-02', 'c3'), archived('2024-05-04', 'c1')];
    for (const [i, body] of bodies.entries()) {
      await store.append(append(`r${i}`, [serviceEvent(`r${i}`, body)]));
      await projections.main.catchUp();
    }
    // One batch voids the two earliest: the batch loads only a few of the stored occurrences.
    await store.append(append('r1', [corrected('x1', 'r1', bodies[1]!, null, '重复')]));
    await store.append(append('r2', [corrected('x2', 'r2', bodies[2]!, null, '重复')]));
    await projections.main.catchUp();
    const events = await store.readAll({ after: 0, limit: 1000 });
    await expectAllScopes(events, [['2024-05-01', '2024-08-31'], ['2024-05-03', '2024-05-03']], Number.MAX_SAFE_INTEGER);
    expect((await projectedTotals('community:S1/c1', '2024-05-03', '2024-05-03')).households_archived).toBe(1n);
  });

  it('projected totals equal the recomputation live, as of earlier moments and after a rebuild', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.array(periodArb, { minLength: 1, maxLength: 2 }), async (ops, randomPeriods) => {
        await reset();
        const projections = new IndicatorProjections(db.pool, store, { batchSize: 7 });
        const live: { id: string; body: ServiceRecordBody }[] = [];
        const moments: string[] = [];
        let n = 0;
        for (const op of ops) {
          if (op.op === 'record') {
            const id = `r${++n}`;
            await store.append(append(id, [serviceEvent(id, op.body, `actor-${n % 3}`)]));
            live.push({ id, body: op.body });
          } else if ((op.op === 'void' || op.op === 'replace') && live.length > 0) {
            const target = live[op.pick % live.length]!;
            const replacement = op.op === 'replace' ? replaced(target.body, op.place, op.tweak) : null;
            await store.append(append(target.id, [corrected(`x${++n}`, target.id, target.body, replacement, op.op === 'void' ? '重复' : '更正')]));
            if (replacement) target.body = replacement;
            else live.splice(live.indexOf(target), 1);
          } else if (op.op === 'mark') {
            await new Promise((r) => setTimeout(r, 3));
            moments.push(new Date().toISOString());
            await new Promise((r) => setTimeout(r, 3));
          } else if (op.op === 'catchUp') {
            await projections.main.catchUp();
          }
        }
        await projections.main.catchUp();
        const events = await store.readAll({ after: 0, limit: 100_000 });
        const periods: [string, string][] = [['2024-05-01', '2024-08-31'], ...randomPeriods];
        await expectAllScopes(events, periods, Number.MAX_SAFE_INTEGER);
        for (const moment of moments) {
          const upTo = events.filter((e) => e.recordedAt.toISOString() <= moment).at(-1)?.position ?? 0;
          await expectAllScopes(events, periods.slice(0, 1), upTo, moment);
        }
        await rebuildIndicators(db.pool, store, { batchSize: 5 });
        await expectAllScopes(events, periods, Number.MAX_SAFE_INTEGER);
      }),
      { numRuns: 12 },
    );
  }, 600_000);
});
