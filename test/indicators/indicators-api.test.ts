import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PgEventStore } from '@app/event-store';
import type { ServiceRecordBody } from '@app/recording';
import { IndicatorProjectionsService } from '../../apps/backoffice/src/indicators/indicator-projections.service.js';
import { rebuildIndicators } from '../../apps/backoffice/src/indicators/index.js';
import { rebuildCommand } from '../../apps/cli/src/rebuild.js';
import { adminFetch } from '../support/auth.js';
import type { TestDatabase } from '../support/database.js';
import { append, area, contractSigned, corrected, event, serviceEvent, stationRegistered, targetsAmended, startBackoffice, type RunningBackoffice } from './fixtures.js';

const base = { station: 'SY', worker: 'w1' } as const;
const phone = (community: string, occurredOn: string, effective = true, household = 'h1'): ServiceRecordBody => ({
  kind: 'phone_contact', ...base, community, occurredOn, household, effective,
});
const resource = (community: string, occurredOn: string, amountYuan: string): ServiceRecordBody => ({
  kind: 'resource_linked', ...base, community, occurredOn, amountYuan, resourceType: 'money', source: 'donor',
});
const period = 'from=2024-05-24&to=2025-05-23';

describe('indicator API over projected events', () => {
  let running: RunningBackoffice;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let store: PgEventStore;
  const moments: Record<string, string> = {};

  const catchUp = () => app.get(IndicatorProjectionsService).projections.main.catchUp();
  const get = async (path: string) => {
    const response = await adminFetch(`${url}${path}`);
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type'), text, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : undefined };
  };
  const row = (body: { indicators: { code: string }[] }, code: string) => body.indicators.find((i) => i.code === code);
  const mark = async (name: string) => {
    await new Promise((r) => setTimeout(r, 5));
    moments[name] = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
  };

  beforeAll(async () => {
    running = await startBackoffice();
    ({ db, store, app, url } = running);
    await store.append(append('setup', [
      event('DistrictRegistered', { recordId: 'd-440111', code: '440111', name: '白云区' }),
      stationRegistered('SY', '440111', [area('A1', ['C1', 'C2']), area('A2', ['C3'])]),
      event('StationAreasRedrawn', { recordId: 'redraw', station: 'SY', effectiveFrom: '2025-01-01', areas: [area('A1', ['C1']), area('A2', ['C2', 'C3'])] }),
      contractSigned('K1', 'SY', '2024-05-24', '2025-05-23', { phone_contacts: 3, resources_linked_yuan: '100.00' }),
    ]));
    await store.append(append('r1', [serviceEvent('r1', phone('C1', '2024-06-01'))]));
    await store.append(append('r2', [serviceEvent('r2', phone('C2', '2024-12-01'))]));
    await store.append(append('r3', [serviceEvent('r3', phone('C2', '2025-02-01'))]));
    await store.append(append('r4', [serviceEvent('r4', phone('C3', '2025-02-02', false, 'h2'))]));
    await store.append(append('m1', [serviceEvent('m1', resource('C1', '2024-07-01', '60.50'))]));
    await store.append(append('m2', [serviceEvent('m2', resource('C3', '2024-07-02', '10.01'))]));
    await mark('beforeCorrections');
    await store.append(append('r2', [corrected('x1', 'r2', phone('C2', '2024-12-01'), null, '重复录入')]));
    await store.append(append('m2', [corrected('x2', 'm2', resource('C3', '2024-07-02', '10.01'), resource('C3', '2024-07-02', '20.02'), '金额录错')]));
    await mark('beforeAmendment');
    await store.append(append('setup', [targetsAmended('amend-1', 'K1', 'SY', { phone_contacts: 4 }, '补充协议')]));
    await catchUp();
  });
  afterAll(async () => running.close());

  it('answers a station table with exact actuals, targets in force and rates; money as decimal strings', async () => {
    const { status, body } = await get(`/api/v1/indicators?scope=station:SY&${period}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ scope: 'station:SY', from: '2024-05-24', to: '2025-05-23', asOf: null });
    expect(row(body, 'phone_contacts')).toEqual({ code: 'phone_contacts', name: '电话访问', unit: '个', actual: 2, target: 4, rate: 0.5 });
    expect(row(body, 'resources_linked_yuan')).toEqual({ code: 'resources_linked_yuan', name: '资源链接', unit: '元', actual: '80.52', target: '100.00', rate: 0.8052 });
    expect(row(body, 'home_visits')).toMatchObject({ actual: 0, target: null, rate: null });
    expect(body.indicators).toHaveLength(23);
  });

  it('gives the totals as they stood at an earlier moment, with the targets then in force', async () => {
    const before = await get(`/api/v1/indicators?scope=station:SY&${period}&asOf=${moments.beforeCorrections}`);
    expect(row(before.body, 'phone_contacts')).toMatchObject({ actual: 3, target: 3, rate: 1 });
    expect(row(before.body, 'resources_linked_yuan')).toMatchObject({ actual: '70.51' });
    const amended = await get(`/api/v1/indicators?scope=station:SY&${period}&asOf=${moments.beforeAmendment}`);
    expect(row(amended.body, 'phone_contacts')).toMatchObject({ actual: 2, target: 3 });
    expect(amended.body.asOf).toBe(moments.beforeAmendment);
  });

  it('places a record in the area its community belonged to on the day of service', async () => {
    const a1 = await get(`/api/v1/indicators?scope=area:SY/A1&${period}`);
    const a2 = await get(`/api/v1/indicators?scope=area:SY/A2&${period}`);
    expect(row(a1.body, 'phone_contacts')).toMatchObject({ actual: 1, target: null, rate: null });
    expect(row(a2.body, 'phone_contacts')).toMatchObject({ actual: 1 });
    const c2 = await get(`/api/v1/indicators?scope=community:SY/C2&${period}`);
    expect(row(c2.body, 'phone_contacts')).toMatchObject({ actual: 1 });
  });

  it('sums stations into their district and the city', async () => {
    for (const scope of ['district:440111', 'city']) {
      const { body } = await get(`/api/v1/indicators?scope=${scope}&${period}`);
      expect(row(body, 'phone_contacts')).toMatchObject({ actual: 2, target: 4 });
    }
    const partial = await get('/api/v1/indicators?scope=station:SY&from=2024-06-01&to=2024-12-15');
    expect(row(partial.body, 'phone_contacts')).toMatchObject({ actual: 1, target: null });
  });

  it('lists the changes of an indicator in recording order with actor and correction reason; they sum to the total', async () => {
    const { status, body } = await get(`/api/v1/indicators/phone_contacts/history?scope=station:SY&${period}`);
    expect(status).toBe(200);
    expect(body.changes.map((c: { recordId: string; delta: number }) => [c.recordId, c.delta])).toEqual([['r1', 1], ['r2', 1], ['r3', 1], ['x1', -1]]);
    expect(body.changes[3]).toMatchObject({ actor: 'worker:corrector', reason: '重复录入', occurredOn: '2024-12-01', community: 'C2' });
    expect(body.total).toBe(2);
    const money = await get('/api/v1/indicators/resources_linked_yuan/history?scope=station:SY');
    expect(money.body.changes.map((c: { delta: string }) => c.delta)).toEqual(['60.50', '10.01', '10.01']);
    expect(money.body.total).toBe('80.52');
  });

  it('pages the history by id; the pages together are the whole history and each carries the full total', async () => {
    const whole = await get(`/api/v1/indicators/phone_contacts/history?scope=station:SY&${period}`);
    expect(whole.body.next).toBeNull();
    const first = await get(`/api/v1/indicators/phone_contacts/history?scope=station:SY&${period}&limit=3`);
    expect(first.body.changes).toHaveLength(3);
    expect(first.body.total).toBe(2);
    const second = await get(`/api/v1/indicators/phone_contacts/history?scope=station:SY&${period}&limit=3&after=${first.body.next}`);
    expect(second.body.next).toBeNull();
    expect([...first.body.changes, ...second.body.changes]).toEqual(whole.body.changes);
    expect((await get(`/api/v1/indicators/phone_contacts/history?scope=station:SY&limit=0`)).status).toBe(400);
  });

  it('exports the same table as CSV, rounding rates only when asked', async () => {
    const exact = await get(`/api/v1/indicators?scope=station:SY&${period}&format=csv`);
    expect(exact.status).toBe(200);
    expect(exact.type).toContain('text/csv');
    const lines = exact.text.trim().split('\n');
    expect(lines[0]).toBe('code,name,unit,actual,target,rate');
    expect(lines).toContain('resources_linked_yuan,资源链接,元,80.52,100.00,0.8052');
    const rounded = await get(`/api/v1/indicators?scope=station:SY&${period}&format=csv&percentDecimals=1`);
    expect(rounded.text.split('\n')).toContain('resources_linked_yuan,资源链接,元,80.52,100.00,80.5%');
    expect(rounded.text.split('\n')).toContain('home_visits,入户探访,个,0,,');
  });

  it.each([
    ['scope=station&from=2024-01-01&to=2024-12-31', 'bad_scope'],
    ['scope=region:X&from=2024-01-01&to=2024-12-31', 'bad_scope'],
    ['scope=area:SY&from=2024-01-01&to=2024-12-31', 'bad_scope'],
    ['scope=station:SY&from=2025-02-30&to=2025-12-31', 'bad_date'],
    ['scope=station:SY&from=2025-12-31&to=2025-01-01', 'bad_period'],
    ['scope=station:SY&from=2024-01-01&to=2024-12-31&asOf=yesterday', 'bad_as_of'],
  ])('refuses %s with 400 and a reason', async (query, code) => {
    const { status, body } = await get(`/api/v1/indicators?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code });
  });

  it('refuses a missing period with 400 naming the field', async () => {
    const { status, body } = await get('/api/v1/indicators?scope=station:SY');
    expect(status).toBe(400);
    expect(JSON.stringify(body.message)).toContain('from');
  });

  it.each([
    ['station:NOPE', 'unknown_station'],
    ['district:440999', 'unknown_district'],
    ['area:SY/A9', 'unknown_area'],
    ['community:SY/C9', 'unknown_community'],
  ])('answers 404 for the unknown place %s', async (scope, code) => {
    const { status, body } = await get(`/api/v1/indicators?scope=${scope}&${period}`);
    expect(status).toBe(404);
    expect(body).toMatchObject({ code });
  });

  it('answers 404 for the history of an unknown indicator', async () => {
    expect((await get('/api/v1/indicators/nope/history?scope=station:SY')).status).toBe(404);
  });

  it('gives the same totals and history after a rebuild from the events', async () => {
    const before = await get(`/api/v1/indicators?scope=station:SY&${period}`);
    const history = await get('/api/v1/indicators/phone_contacts/history?scope=city');
    // The app's own projection may do part of the catching up: the rebuild's count is not checked.
    await rebuildIndicators(db.pool, store);
    expect((await get(`/api/v1/indicators?scope=station:SY&${period}`)).body).toEqual(before.body);
    const again = await get('/api/v1/indicators/phone_contacts/history?scope=city');
    const strip = (b: { changes: { id: number }[] }) => b.changes.map(({ id: _id, ...rest }) => rest);
    expect(strip(again.body)).toEqual(strip(history.body));
    // Recomputed, not kept: every change row is new.
    expect(again.body.changes[0].id).toBeGreaterThan(history.body.changes.at(-1).id);
  });

  it('recomputes the same totals with the rebuild command (npm run cli -- rebuild)', async () => {
    const before = await get(`/api/v1/indicators?scope=district:440111&${period}`);
    const { rows: [{ max: lastId }] } = await db.pool.query('SELECT max(id) FROM ind_changes');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await rebuildCommand({ ...process.env, DATABASE_URL: db.url });
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^rebuilt the indicator projections from \d+ events/));
    } finally {
      log.mockRestore();
    }
    const { rows: [{ min: firstId }] } = await db.pool.query('SELECT min(id) FROM ind_changes');
    expect(Number(firstId)).toBeGreaterThan(Number(lastId));
    expect((await get(`/api/v1/indicators?scope=district:440111&${period}`)).body).toEqual(before.body);
  });

  it('passes over a stored target that does not fit its indicator\'s unit (the one before stays in force), and answers the rest', async () => {
    // Stored before targets were checked when recorded: a fractional count, a number beyond safe integers.
    await store.append(append('setup-sx', [
      event('DistrictRegistered', { recordId: 'd-440106', code: '440106', name: '天河区' }),
      stationRegistered('SX', '440106', [area('X1', ['CX'])]),
      contractSigned('K9', 'SX', '2024-05-24', '2025-05-23', { phone_contacts: '3000.5', home_visits: '40.00', volunteers_registered: 1e21 }),
      targetsAmended('amend-sx', 'K9', 'SX', { home_visits: '40.5' }, '补充协议'),
    ]));
    await catchUp();

    const { status, body } = await get(`/api/v1/indicators?scope=station:SX&${period}`);

    expect(status).toBe(200);
    expect(row(body, 'phone_contacts')).toMatchObject({ target: null, rate: null });
    expect(row(body, 'home_visits')).toMatchObject({ target: 40 });
    expect(row(body, 'volunteers_registered')).toMatchObject({ target: null });
  });
});
