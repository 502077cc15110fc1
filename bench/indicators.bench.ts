import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createPool, migrate } from '@app/database';
import { PgEventStore, type AppendRequest, type NewEvent } from '@app/event-store';
import { SERVICE_EVENT_TYPE, type ServiceRecordBody } from '@app/recording';
import { backofficeMigrations } from '../apps/backoffice/src/migrations.js';
import { IndicatorProjections, rebuildIndicators } from '../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../apps/backoffice/src/indicators/indicator-query.service.js';
import { percentile, perSecond, printTable, scaled, withFreshDatabase } from './support.js';

/**
 * Issue 4: the indicator projection at Guangzhou scale (200 stations in 11 districts, 10 million
 * events at BENCH_SCALE=1): catch-up throughput (target ≥ 50,000 events/s), full rebuild time, and
 * query latency p50/p99 for a station's year (target p99 < 10 ms), a district's year (p99 < 50 ms) and
 * an as-of query, each beside a plain SQL GROUP BY over the events table in the same run.
 */

const STATIONS = 200;
const DISTRICTS = ['440103', '440104', '440105', '440106', '440111', '440112', '440113', '440114', '440115', '440117', '440118'];
const COMMUNITIES = 13;
const CHUNK = 20_000;
const DAYS = 731; // 2024-01-01 .. 2025-12-31

const stationCode = (s: number) => `S${String(s).padStart(3, '0')}`;
const districtOf = (s: number) => DISTRICTS[s % DISTRICTS.length]!;
const dayOf = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);

function setupEvents(): NewEvent[] {
  const events: NewEvent[] = [];
  const meta = { actor: 'bench' };
  for (let s = 0; s < STATIONS; s++) {
    const code = stationCode(s);
    const areas = [0, 1, 2].map((a) => ({
      code: `A${a + 1}`,
      name: `片区${a + 1}`,
      communities: Array.from({ length: COMMUNITIES }, (_, c) => c).filter((c) => c % 3 === a).map((c) => ({ code: `c${c}`, name: `社区${c}` })),
    }));
    events.push({ eventId: randomUUID(), type: 'StationRegistered', data: { recordId: `st-${code}`, code, name: code, district: districtOf(s), street: code, operator: 'NGO', areas }, metadata: meta });
    for (const year of [2024, 2025]) {
      const contract = `${code}-${year}`;
      events.push({
        eventId: randomUUID(),
        type: 'ContractSigned',
        data: { recordId: `k-${contract}`, code: contract, station: code, periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, budgetYuan: '2400000.00', targets: { phone_contacts: 8000, home_visits: 4000, resources_linked_yuan: '60000.00' } },
        metadata: meta,
      });
    }
  }
  return events;
}

/** A deterministic mix of service kinds; recorded roughly in the order they happened. */
function body(i: number, total: number): ServiceRecordBody {
  const station = stationCode((i * 7919) % STATIONS);
  const place = {
    station,
    community: `c${(i * 31) % COMMUNITIES}`,
    occurredOn: dayOf(Math.min(DAYS - 1, Math.max(0, Math.floor((i / total) * DAYS) - (i % 20)))),
    worker: `w${i % 40}`,
  };
  const r = i % 100;
  if (r < 40) return { kind: 'phone_contact', ...place, household: `h${i % 5000}`, effective: r < 35 };
  if (r < 60) return { kind: 'home_visit', ...place, household: `h${i % 5000}`, entered: r < 55 };
  if (r < 70) return { kind: 'group_session', ...place, group: `g${i % 300}`, attendance: 5 + (i % 20) };
  if (r < 75) return { kind: 'activity', ...place, size: r < 72 ? 'small' : 'large', title: '活动', attendance: 20 + (i % 200) };
  if (r < 80) return { kind: 'resource_linked', ...place, amountYuan: `${i % 5000}.${String(i % 100).padStart(2, '0')}`, resourceType: 'money', source: '企业' };
  if (r < 83) return { kind: 'household_archived', ...place, household: `h${i % 5000}`, persons: 1 + (i % 4), category: '低保', riskLevel: 1 + (i % 5) };
  if (r < 90) return { kind: 'case_session', ...place, case: `k${i % 800}` };
  if (r < 95) return { kind: 'outreach', ...place, reached: 10 + (i % 50) };
  return { kind: 'volunteer_registered', ...place, volunteer: `v${i}` };
}

function serviceEvent(recordId: string, b: ServiceRecordBody): NewEvent {
  const { kind, ...fields } = b;
  return { eventId: randomUUID(), type: SERVICE_EVENT_TYPE[kind], data: { recordId, ...fields }, metadata: { actor: fields.worker, recordId, station: fields.station } };
}

/** Appends `total` service events with COPY, one correction (void) per 100 records. */
async function generate(store: PgEventStore, total: number): Promise<void> {
  await store.appendBulk([{ streamId: 'setup', streamType: 'setup', expectedVersion: 'any', events: setupEvents() }]);
  for (let start = 0; start < total; start += CHUNK) {
    const requests: AppendRequest[] = [];
    const events: NewEvent[] = [];
    for (let i = start; i < Math.min(total, start + CHUNK); i++) {
      const recordId = `r${i}`;
      const b = body(i, total);
      events.push(serviceEvent(recordId, b));
      if (i % 100 === 99) {
        events.push({ eventId: randomUUID(), type: 'RecordCorrected', data: { recordId: `x${i}`, corrects: recordId, base: recordId, action: 'void', reason: '重复录入', before: b, after: null }, metadata: { actor: 'bench' } });
      }
    }
    requests.push({ streamId: `bench-${start}`, streamType: 'service', expectedVersion: 'any', events });
    await store.appendBulk(requests);
  }
}

async function latencies(times: number, work: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await work(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** The same figures straight from the events: what a system without projections would run. */
function groupBySql(stations: 'one' | 'many', asOf: boolean): string {
  return `SELECT type, data->>'effective' AS effective, count(*), sum(coalesce((data->>'attendance')::bigint, 0))
            FROM es_events
           WHERE type <> 'RecordCorrected' AND data->>'station' = ANY($1::text[]) AND data->>'occurredOn' BETWEEN $2 AND $3
             ${asOf ? 'AND recorded_at <= $4' : ''}
           GROUP BY 1, 2 /* ${stations} */`;
}

export async function indicatorsBench(): Promise<void> {
  const total = scaled(10_000_000);
  await withFreshDatabase('bench_ind', async (url) => {
    const pool: pg.Pool = createPool(url, 8);
    try {
      await migrate(pool, backofficeMigrations);
      const store = new PgEventStore(pool);
      const genStart = performance.now();
      await generate(store, total);
      const events = await store.headPosition();
      // What autovacuum does to an insert-only table soon after a load (hint bits, visibility map):
      // without it the first reader of each page writes it back, and the catch-up measured below
      // would pay for the bulk load rather than for projecting.
      await pool.query('VACUUM ANALYZE es_events');
      console.log(`generated ${perSecond(events)} events (${STATIONS} stations) in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);

      const projections = new IndicatorProjections(pool, store, { batchSize: 20_000 });
      let start = performance.now();
      const caughtUp = await projections.main.catchUp();
      const catchUpRate = caughtUp / ((performance.now() - start) / 1000);
      await pool.query('ANALYZE ind_totals; ANALYZE ind_changes');

      start = performance.now();
      const rebuilt = await rebuildIndicators(pool, store, { batchSize: 20_000 });
      const rebuildSeconds = (performance.now() - start) / 1000;
      await pool.query('ANALYZE ind_totals; ANALYZE ind_changes');

      const queries = new IndicatorQueryService(pool);
      const { rows: moments } = await pool.query<{ asof: Date }>('SELECT recorded_at AS asof FROM es_events ORDER BY position OFFSET $1 LIMIT 1', [Math.floor(events / 2)]);
      const asOf = moments[0]!.asof.toISOString();
      const station = (i: number) => stationCode((i * 37) % STATIONS);
      const district = (i: number) => DISTRICTS[i % DISTRICTS.length]!;
      const stationsOf = (d: string) => Array.from({ length: STATIONS }, (_, s) => s).filter((s) => districtOf(s) === d).map(stationCode);
      const n = 200;
      const sqlRuns = Math.max(3, Math.min(50, Math.round(2_000_000 / total)));
      const rows: string[][] = [];
      const ms = (v: number) => v.toFixed(2);
      const measure = async (name: string, target: string, projected: (i: number) => Promise<unknown>, sql: (i: number) => Promise<unknown>) => {
        const p = await latencies(n, projected);
        const g = await latencies(sqlRuns, sql);
        rows.push([name, ms(p.p50), ms(p.p99), target, ms(g.p50), ms(g.p99)]);
      };
      await measure(
        "station's year",
        'p99 < 10',
        (i) => queries.table({ scope: `station:${station(i)}`, from: '2025-01-01', to: '2025-12-31' }),
        (i) => pool.query(groupBySql('one', false), [[station(i)], '2025-01-01', '2025-12-31']),
      );
      await measure(
        "district's year",
        'p99 < 50',
        (i) => queries.table({ scope: `district:${district(i)}`, from: '2025-01-01', to: '2025-12-31' }),
        (i) => pool.query(groupBySql('many', false), [stationsOf(district(i)), '2025-01-01', '2025-12-31']),
      );
      await measure(
        "station's contract year, as of",
        '-',
        (i) => queries.table({ scope: `station:${station(i)}`, from: '2024-05-24', to: '2025-05-23', asOf }),
        (i) => pool.query(groupBySql('one', true), [[station(i)], '2024-05-24', '2025-05-23', asOf]),
      );
      await measure(
        "area's year",
        '-',
        (i) => queries.table({ scope: `area:${station(i)}/A${1 + (i % 3)}`, from: '2025-01-01', to: '2025-12-31' }),
        (i) => pool.query(groupBySql('one', false), [[station(i)], '2025-01-01', '2025-12-31']),
      );

      printTable(
        ['measure', 'events', 'seconds', 'events/s', 'target'],
        [
          ['catch-up (live projection)', perSecond(caughtUp), (caughtUp / catchUpRate).toFixed(1), perSecond(catchUpRate), '≥ 50,000/s'],
          ['full rebuild', perSecond(rebuilt.events), rebuildSeconds.toFixed(1), perSecond(rebuilt.events / rebuildSeconds), '-'],
        ],
      );
      console.log('');
      printTable(['query (ms)', 'p50', 'p99', 'target', 'GROUP BY events p50', 'GROUP BY p99'], rows);
      console.log(`(${n} projected queries each; ${sqlRuns} GROUP BY runs each; peak RSS of this process ${Math.round(process.resourceUsage().maxRSS / 1024)} MB)`);
    } finally {
      await pool.end();
    }
  });
}
