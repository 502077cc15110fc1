/**
 * Erasure (被遗忘权): once a household's key is deleted its contact is unreadable everywhere — the
 * event log, the household file, exports and reports — while every indicator total stays the same.
 */
import type { AnyRecord } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { evaluationMigrations } from '../../apps/evaluation/src/migrations.js';
import { IndicatorProjectionsService } from '../../apps/backoffice/src/indicators/indicator-projections.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch, authFetch, tokenFor } from '../support/auth.js';
import { startApps } from './apps.js';

const CHEN = { name: '陈阿婆', idNumber: '440111194501015622', phone: '13912345678' };
const WANG = { name: '王伯', idNumber: '440111194803036617', phone: '13787654321' };
const at = { station: 'SYL', community: 'c1', worker: '社工甲' };
const SETUP: AnyRecord[] = [
  { id: 'e-d', kind: 'district', code: '440111', name: '白云区' },
  { id: 'e-s', kind: 'station', code: 'SYL', name: '三元里', district: '440111', street: '三元里街', operator: 'NGO', areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'c1', name: '一社区' }] }] },
  { id: 'e-c', kind: 'contract', code: 'SYL-2025', station: 'SYL', periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '2400000.00', targets: { phone_contacts: 10, households_archived: 2 } },
  { id: 'e-h1', kind: 'household_archived', ...at, occurredOn: '2025-02-01', household: 'H1', persons: 1, category: '特困', riskLevel: 5, contact: CHEN },
  { id: 'e-h2', kind: 'household_archived', ...at, occurredOn: '2025-02-02', household: 'H2', persons: 2, category: '低保', riskLevel: 3, contact: WANG },
  { id: 'e-p1', kind: 'phone_contact', ...at, occurredOn: '2025-03-01', household: 'H1', effective: true },
  // A correction re-states H1's file: its sealed contact is carried in the correction event too.
  { id: 'e-h1-fix', kind: 'correction', corrects: 'e-h1', action: 'replace', reason: '风险等级核对', replacement: { kind: 'household_archived', ...at, occurredOn: '2025-02-01', household: 'H1', persons: 1, category: '特困', riskLevel: 4, contact: CHEN } },
] as AnyRecord[];
const ndjson = (records: AnyRecord[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const personal = (contact: typeof CHEN) => [contact.name, contact.idNumber, contact.phone];

describe('erasure of a household', () => {
  let db: TestDatabase;
  let apps: Awaited<ReturnType<typeof startApps>>;
  const manager = authFetch(tokenFor('station_manager', { stations: ['SYL'] }, 'manager-syl'));
  const bureau = authFetch(tokenFor('district_bureau', { districts: ['440111'] }, 'bureau-baiyun'));
  const analyst = authFetch(tokenFor('analyst'));

  const importAs = async (records: AnyRecord[]) => {
    const response = await adminFetch(`${apps.backoffice}/api/v1/imports`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(records) });
    return (await response.json()) as { accepted: number; rejected: unknown[] };
  };
  const file = async (as: typeof fetch, household: string) => {
    const response = await as(`${apps.backoffice}/api/v1/households/SYL/${household}`);
    return { status: response.status, text: await response.text() };
  };
  const totals = async () => {
    await apps.apps.backoffice.get(IndicatorProjectionsService).projections.main.catchUp();
    const response = await adminFetch(`${apps.backoffice}/api/v1/indicators?scope=station:SYL&from=2025-01-01&to=2025-12-31`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { indicators: unknown[] }).indicators;
  };
  /** Everything the database holds, as text: events, projections, read models. */
  const databaseText = async () => {
    const { rows } = await db.pool.query<{ t: string }>(
      `SELECT string_agg(row_to_json(e)::text, '\n') AS t FROM es_events e`,
    );
    return rows[0]!.t;
  };

  beforeAll(async () => {
    db = await createTestDatabase([...backofficeMigrations, ...evaluationMigrations]);
    apps = await startApps(db.pool);
    expect(await importAs(SETUP)).toMatchObject({ accepted: SETUP.length, rejected: [] });
  });
  afterAll(async () => {
    await apps?.close();
    await db?.drop();
  });

  it('never stores a contact in plain: the event log holds only sealed text', async () => {
    const log = await databaseText();
    for (const value of [...personal(CHEN), ...personal(WANG)]) expect(log).not.toContain(value);
    expect(log).toContain('"sealed"');
  });

  it('shows the contact in full to station staff (and logs the read), masked to the bureau, never to an analyst', async () => {
    const full = await file(manager, 'H1');
    expect(full.status).toBe(200);
    for (const value of personal(CHEN)) expect(full.text).toContain(value);
    const masked = await file(bureau, 'H1');
    expect(masked.status).toBe(200);
    for (const value of personal(CHEN)) expect(masked.text).not.toContain(value);
    expect(JSON.parse(masked.text).events[0].data.contact).toEqual({ name: '陈**', idNumber: '440111********5622', phone: '139****5678', masked: true });
    expect((await file(analyst, 'H1')).status).toBe(403);

    const reads = (await (await bureau(`${apps.backoffice}/api/v1/personal-data/reads?station=SYL`)).json()) as { actor: string; household: string; readAt: string }[];
    expect(reads).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'manager-syl', role: 'station_manager', household: 'H1', readAt: expect.any(String) })]));
    expect(reads.some((read) => read.actor === 'bureau-baiyun')).toBe(false);
  });

  it('after the key is deleted: no API, export, report or event shows the contact, other households stay readable, totals are unchanged', async () => {
    const before = await totals();
    expect(before).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'households_archived', actual: 2 }), expect.objectContaining({ code: 'phone_contacts', actual: 1 })]));
    const csvBefore = await (await adminFetch(`${apps.backoffice}/api/v1/indicators?scope=station:SYL&from=2025-01-01&to=2025-12-31&format=csv`)).text();

    const erasure = await adminFetch(`${apps.backoffice}/api/v1/personal-data/erasures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ station: 'SYL', household: 'H1', reason: '本人申请删除个人信息' }),
    });
    expect(await erasure.json()).toEqual({ station: 'SYL', household: 'H1', keyDeleted: true });
    expect((await db.pool.query(`SELECT 1 FROM auth.household_keys WHERE household = 'SYL/H1'`)).rowCount).toBe(0);

    const after = await file(manager, 'H1');
    expect(after.status).toBe(200);
    for (const value of personal(CHEN)) expect(after.text).not.toContain(value);
    const events = JSON.parse(after.text).events as { type: string; data: { contact?: unknown; after?: { contact?: unknown } } }[];
    expect(events.map((e) => e.data.contact ?? e.data.after?.contact)).toEqual([{ erased: true }, { erased: true }]);
    expect((await file(manager, 'H2')).text).toContain(WANG.name);

    expect(await totals()).toEqual(before);
    const csvAfter = await (await adminFetch(`${apps.backoffice}/api/v1/indicators?scope=station:SYL&from=2025-01-01&to=2025-12-31&format=csv`)).text();
    expect(csvAfter).toBe(csvBefore);
    for (const value of personal(CHEN)) expect(csvAfter).not.toContain(value);
  });

  it('drops a contact stated again for the erased household (a correction re-stating its file) instead of making a new key', async () => {
    const restated = {
      id: 'e-h1-again',
      kind: 'correction',
      corrects: 'e-h1-fix',
      action: 'replace',
      reason: '人数核对',
      replacement: { kind: 'household_archived', ...at, occurredOn: '2025-02-01', household: 'H1', persons: 2, category: '特困', riskLevel: 4, contact: CHEN },
    } as AnyRecord;
    expect(await importAs([restated])).toMatchObject({ accepted: 1, rejected: [] });
    const { rows } = await db.pool.query(`SELECT data FROM es_events WHERE metadata->>'recordId' = 'e-h1-again'`);
    expect(rows[0].data.after).toMatchObject({ household: 'H1', persons: 2 });
    expect(rows[0].data.after.contact).toBeUndefined();
    expect((await db.pool.query(`SELECT 1 FROM auth.household_keys WHERE household = 'SYL/H1'`)).rowCount).toBe(0);
  });

  it('keeps the evaluation report free of the erased contact', async () => {
    for (let i = 0; i < 300; i += 1) {
      const status = (await (await adminFetch(`${apps.evaluation}/api/v1/read-model/status`)).json()) as Record<string, number>;
      if (status.recording >= status.recordingHead) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const opened = await adminFetch(`${apps.evaluation}/api/v1/cycles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'cy-e', station: 'SYL', contract: 'SYL-2025', kind: 'final', cutOff: '2025-12-31', evaluator: '评估方' }),
    });
    expect(opened.status).toBe(201);
    const report = await (await adminFetch(`${apps.evaluation}/api/v1/cycles/cy-e/report`)).text();
    expect(report).toContain('三元里');
    for (const value of [...personal(CHEN), ...personal(WANG)]) expect(report).not.toContain(value);
  });
});
