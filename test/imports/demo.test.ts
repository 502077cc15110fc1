import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DEMO_STATIONS, correctedRecords, demoRecords, tally } from '@app/demo-data';
import { SERVICE_EVENT_TYPE, serviceRecordOf, type AnyRecord, type ServiceRecordBody } from '@app/recording';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { RecordingService } from '../../apps/backoffice/src/recording/recording.service.js';
import { demoCommand, loadDemoOnFirstStart } from '../../apps/cli/src/demo.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** The event each record kind becomes (RECORDS.md kind → recording event type). */
const EVENT_OF_KIND: Record<string, string> = {
  ...SERVICE_EVENT_TYPE,
  district: 'DistrictRegistered',
  station: 'StationRegistered',
  contract: 'ContractSigned',
  correction: 'RecordCorrected',
};

describe('demo data (元岗街 2023, 三元里街 2025)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const records = demoRecords();
  const cliIo = () => {
    const out: string[] = [];
    const sink = { write: (text: string) => out.push(text) > 0, isTTY: false } as unknown as NodeJS.WriteStream;
    return { io: { env: { DATABASE_URL: db.url }, stdout: sink, stderr: sink }, out };
  };

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('is not loaded on a first start with DEMO_DATA=off, nor on an external database by default', async () => {
    const recording = app.get(RecordingService, { strict: false });
    expect(await loadDemoOnFirstStart({ DEMO_DATA: 'off' }, true, db.pool, recording)).toBeUndefined();
    expect(await loadDemoOnFirstStart({}, false, db.pool, recording)).toBeUndefined();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n).toBe(0);
  });

  it('loads on the first start of the embedded default, every record accepted', async () => {
    const summary = await loadDemoOnFirstStart({}, true, db.pool, app.get(RecordingService, { strict: false }));
    expect(summary).toEqual({ accepted: records.length, duplicates: 0, rejected: [] });
  });

  it('stores one event per demo record: the counts per event type match the records per kind', async () => {
    const expected: Record<string, number> = {};
    for (const record of records) expected[EVENT_OF_KIND[record.kind]!] = (expected[EVENT_OF_KIND[record.kind]!] ?? 0) + 1;
    const { rows } = await db.pool.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM es_events GROUP BY type');
    expect(Object.fromEntries(rows.map((r) => [r.type, r.n]))).toEqual(expected);
  });

  it('gives, from the stored events, every indicator total of the reports (after the corrections)', async () => {
    const { rows } = await db.pool.query<{ type: string; data: Record<string, unknown> }>('SELECT type, data FROM es_events ORDER BY position');
    // The stored events read back as records: services by their record id, corrections as they apply.
    const asRecords: AnyRecord[] = rows.flatMap(({ type, data }) => {
      const body = serviceRecordOf({ type, data });
      if (body) return [{ id: data.recordId, ...body } as AnyRecord];
      if (type !== 'RecordCorrected') return [];
      const after = data.after as ServiceRecordBody | null;
      return [{ id: data.recordId, kind: 'correction', corrects: data.base, action: after ? 'replace' : 'void', replacement: after ?? undefined, reason: data.reason } as AnyRecord];
    });
    const counted = correctedRecords(asRecords);
    for (const station of DEMO_STATIONS) {
      const totals = station.indicators.map((i) => ({ code: i.code, actual: tally(counted.values(), station.station, i.code) }));
      expect(totals).toEqual(station.indicators.map((i) => ({ code: i.code, actual: i.actual })));
    }
  });

  it('stores each contract with the targets of the expected table', async () => {
    const { rows } = await db.pool.query<{ data: { code: string; targets: Record<string, unknown> } }>(
      `SELECT data FROM es_events WHERE type = 'ContractSigned'`,
    );
    for (const station of DEMO_STATIONS) {
      const targets = Object.fromEntries(station.indicators.filter((i) => i.target !== undefined).map((i) => [i.code, i.target]));
      expect(rows.find((r) => r.data.code === station.contract)?.data.targets).toEqual(targets);
    }
  });

  it('loads again with `npm run cli -- demo` as all duplicates, and the first-start check skips a used log', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n;
    const { io, out } = cliIo();
    expect(await demoCommand([], io)).toBe(0);
    expect(out.join('')).toContain(`accepted 0, duplicates ${records.length}, rejected 0`);
    expect(await loadDemoOnFirstStart({}, true, db.pool, app.get(RecordingService, { strict: false }))).toBeUndefined();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM es_events')).rows[0].n).toBe(before);
  });
});
