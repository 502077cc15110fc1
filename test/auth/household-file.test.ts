/**
 * The household file (一户一档) route: every event of the household with its contacts as the caller
 * may see them, the household key read once per file and the read logged once per file.
 */
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AnyRecord } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch, authFetch, tokenFor } from '../support/auth.js';

const at = { station: 'SYL', community: 'c1', worker: '社工甲' };
const archived = { kind: 'household_archived', ...at, occurredOn: '2025-02-01', household: 'H1', persons: 1, category: '特困', riskLevel: 5 };
const RECORDS: AnyRecord[] = [
  { id: 'hf-d', kind: 'district', code: '440111', name: '白云区' },
  { id: 'hf-s', kind: 'station', code: 'SYL', name: '三元里', district: '440111', street: '三元里街', operator: 'NGO', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }] }] },
  { id: 'hf-c', kind: 'contract', code: 'SYL-2025', station: 'SYL', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '2400000.00', targets: { phone_contacts: 10 } },
  { id: 'hf-h1', ...archived, contact: { name: '陈阿婆', phone: '13912345678' } },
  // The correction carries the contact three times in all: the file's first event, its before and its after.
  { id: 'hf-h1-fix', kind: 'correction', corrects: 'hf-h1', action: 'replace', reason: '电话更正', replacement: { ...archived, contact: { name: '陈阿婆', phone: '13987654321' } } },
] as AnyRecord[];

/** The file as the route answers it, given what it shows of the old and the new contact. */
const fileShowing = (old: object, corrected: object) => {
  const { kind: _kind, ...data } = archived;
  const event = (type: string, eventData: object) => ({ type, recordedAt: expect.any(String), actor: 'test:admin', data: eventData });
  return {
    station: 'SYL',
    household: 'H1',
    events: [
      event('HouseholdArchived', { recordId: 'hf-h1', ...data, contact: old }),
      event('RecordCorrected', {
        recordId: 'hf-h1-fix',
        corrects: 'hf-h1',
        base: 'hf-h1',
        action: 'replace',
        reason: '电话更正',
        before: { ...archived, contact: old },
        after: { ...archived, contact: corrected },
      }),
    ],
  };
};

describe('the household file', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base = '';
  const manager = authFetch(tokenFor('station_manager', { stations: ['SYL'] }, 'manager-syl'));
  const bureau = authFetch(tokenFor('district_bureau', { districts: ['440111'] }, 'bureau-baiyun'));

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    const imported = await adminFetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: RECORDS.map((r) => JSON.stringify(r)).join('\n') + '\n',
    });
    expect(await imported.json()).toMatchObject({ accepted: RECORDS.length, rejected: [] });
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  /** The file as `as` gets it, with the household-key reads and the read-log rows it cost. */
  const read = async (as: typeof fetch) => {
    const query = jest.spyOn(db.pool, 'query');
    const logged = async () => Number((await db.pool.query('SELECT count(*) AS n FROM auth.personal_data_reads')).rows[0].n);
    const before = await logged();
    try {
      const response = await as(`${base}/api/v1/households/SYL/H1`);
      const keyReads = query.mock.calls.filter(([sql]) => typeof sql === 'string' && /FROM auth\.household_keys/.test(sql)).length;
      return { status: response.status, body: await response.json(), keyReads, logged: (await logged()) - before };
    } finally {
      query.mockRestore();
    }
  };

  it('shows station staff every contact in full, reading the household key once and logging one read of the file', async () => {
    expect(await read(manager)).toEqual({
      status: 200,
      body: fileShowing({ name: '陈阿婆', phone: '13912345678' }, { name: '陈阿婆', phone: '13987654321' }),
      keyReads: 1,
      logged: 1,
    });
  });

  it('files a read under the station\'s district even when the station was registered moments before', async () => {
    const { rows } = await db.pool.query('SELECT station, district FROM auth.personal_data_reads ORDER BY id LIMIT 1');
    expect(rows).toEqual([{ station: 'SYL', district: '440111' }]);
  });

  it('shows the bureau every contact masked, reading the household key once and logging nothing', async () => {
    expect(await read(bureau)).toEqual({
      status: 200,
      body: fileShowing({ name: '陈**', phone: '139****5678', masked: true }, { name: '陈**', phone: '139****4321', masked: true }),
      keyReads: 1,
      logged: 0,
    });
  });
});
