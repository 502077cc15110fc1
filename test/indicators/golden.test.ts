import { PgEventStore } from '@app/event-store';
import { DEMO_STATIONS, YUANGANG_DISTRICT_FIGURES, YUANGANG_EXPECTED } from '@app/demo-data';
import { formatPercent } from '@app/indicators';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { loadDemo, openRecording } from '../../apps/backoffice/src/imports/index.js';
import { IndicatorProjections } from '../../apps/backoffice/src/indicators/index.js';
import { IndicatorQueryService } from '../../apps/backoffice/src/indicators/indicator-query.service.js';
import { toCsv } from '../../apps/backoffice/src/indicators/indicators.controller.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** Decimals the report printed a rate with: '113.80%' → 2, '119%' → 0. */
const decimalsOf = (printed: string) => (printed.includes('.') ? printed.length - printed.indexOf('.') - 2 : 0);

describe('golden figures of the two source reports, through the import pipeline and the projection', () => {
  let db: TestDatabase;
  let queries: IndicatorQueryService;
  let projections: IndicatorProjections;

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    const { recording, close } = await openRecording(db.pool);
    try {
      const summary = await loadDemo(recording, db.pool);
      expect(summary.rejected).toEqual([]);
    } finally {
      await close();
    }
    projections = new IndicatorProjections(db.pool, new PgEventStore(db.pool));
    await projections.main.catchUp();
    queries = new IndicatorQueryService(db.pool);
  }, 300_000);
  afterAll(async () => db.drop());

  describe.each(DEMO_STATIONS.map((s) => [s.station, s] as const))('station %s', (_code, expected) => {
    it('reproduces every actual, target and printed completion rate of the report', async () => {
      const table = await queries.table({ scope: `station:${expected.station}`, from: expected.from, to: expected.to });
      for (const figure of expected.indicators) {
        const i = table.indicators.findIndex((row) => row.code === figure.code);
        const row = table.indicators[i]!;
        expect({ code: row.code, actual: row.actual, target: row.target }).toEqual({ code: figure.code, actual: figure.actual, target: figure.target ?? null });
        const { actual, target } = table.exact[i]!;
        if (figure.reportedRate) expect([figure.code, formatPercent(actual, target, decimalsOf(figure.reportedRate))]).toEqual([figure.code, figure.reportedRate]);
        else expect(row.rate).toBeNull();
      }
    });

    it('sums to the same totals in its district as at the station (one demo station per district)', async () => {
      const station = await queries.table({ scope: `station:${expected.station}`, from: expected.from, to: expected.to });
      const district = await queries.table({ scope: `district:${expected.district}`, from: expected.from, to: expected.to });
      expect(district.indicators).toEqual(station.indicators);
    });
  });

  it('prints the Sanyuanli and Yuangang rates in CSV with the reports rounding', async () => {
    const sy = await queries.table({ scope: 'station:SYL', from: '2024-05-24', to: '2025-05-23' });
    expect(toCsv(sy, 2).split('\n')).toContain('phone_contacts,电话访问,个,3414,3000,113.80%');
    const yg = await queries.table({ scope: 'station:YG', from: YUANGANG_EXPECTED.from, to: YUANGANG_EXPECTED.to });
    const lines = toCsv(yg, 0).split('\n');
    expect(lines).toContain('home_visits,入户探访,个,593,500,119%');
    expect(lines).toContain('resources_linked_yuan,资源链接,元,523106.71,60000.00,872%');
  });

  it('counts the district-defined training indicators once an administrator adds them', async () => {
    for (const [i, figure] of YUANGANG_DISTRICT_FIGURES.entries()) {
      const { id } = await projections.define(
        { code: `volunteer_trainings_${figure.filter.type}`, name: figure.name, unit: '场', kind: figure.kind, filter: figure.filter, measure: { type: 'count' } },
        false,
      );
      await projections.whenBuilt(id);
      const table = await queries.table({ scope: 'station:YG', from: YUANGANG_EXPECTED.from, to: YUANGANG_EXPECTED.to });
      expect([i, table.indicators.find((row) => row.code === `volunteer_trainings_${figure.filter.type}`)?.actual]).toEqual([i, figure.actual]);
    }
  });
});
