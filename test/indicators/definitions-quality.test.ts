import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readCheckpoint, type PgEventStore } from '@app/event-store';
import type { ServiceRecordBody } from '@app/recording';
import { IndicatorProjectionsService } from '../../apps/backoffice/src/indicators/indicator-projections.service.js';
import { adminFetch } from '../support/auth.js';
import type { TestDatabase } from '../support/database.js';
import { append, area, corrected, serviceEvent, stationRegistered, startBackoffice, type RunningBackoffice } from './fixtures.js';

const at = { station: 'ST', worker: 'w1', community: 'C1' } as const;
const phone = (occurredOn: string, household: string, effective: boolean, community = 'C1'): ServiceRecordBody => ({
  kind: 'phone_contact', ...at, community, occurredOn, household, effective,
});
const visit = (occurredOn: string, household: string, entered: boolean): ServiceRecordBody => ({ kind: 'home_visit', ...at, occurredOn, household, entered });
const archived = (occurredOn: string, household: string, riskLevel: number, community = 'C1'): ServiceRecordBody => ({
  kind: 'household_archived', ...at, community, occurredOn, household, persons: 2, category: '低保', riskLevel,
});
const training = (occurredOn: string, type: 'general' | 'activity'): ServiceRecordBody => ({ kind: 'volunteer_training', ...at, occurredOn, type });
const year = 'from=2024-01-01&to=2024-12-31';

describe('indicator catalog changes and data-quality findings', () => {
  let running: RunningBackoffice;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let url: string;
  let store: PgEventStore;
  let service: IndicatorProjectionsService;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await adminFetch(`${url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are checked field by field
    return { status: response.status, body: (await response.json()) as any };
  };
  const actual = async (code: string, scope = 'station:ST') => {
    const { body } = await call('GET', `/api/v1/indicators?scope=${scope}&${year}`);
    return body.indicators.find((i: { code: string }) => i.code === code)?.actual;
  };
  let n = 0;
  const record = async (body: ServiceRecordBody) => {
    const id = `rec-${++n}`;
    await store.append(append(id, [serviceEvent(id, body)]));
    return id;
  };

  beforeAll(async () => {
    running = await startBackoffice();
    ({ db, store, app, url } = running);
    service = app.get(IndicatorProjectionsService);
    await store.append(append('setup', [stationRegistered('ST', '440106', [area('A1', ['C1']), area('A2', ['C2'])])]));
    // h5: level 5, two effective contacts in a year (needs 12); h1: level 1, one entered visit (enough).
    await record(archived('2024-01-10', 'h5', 3));
    await store.append(append('reassess', [serviceEvent('reassess', { kind: 'household_reassessed', ...at, occurredOn: '2024-02-01', household: 'h5', riskLevel: 5 })]));
    await record(archived('2024-01-11', 'h1', 1));
    await record(phone('2024-03-01', 'h5', true));
    await record(phone('2024-04-01', 'h5', true));
    await record(visit('2024-05-01', 'h1', true));
    await record(visit('2024-05-02', 'h1', false));
    // h9: only one-way SMS greetings, and two of them the same day by the same worker.
    await record(archived('2024-01-12', 'h9', 2, 'C2'));
    await record(phone('2024-06-01', 'h9', false, 'C2'));
    await record(phone('2024-06-01', 'h9', false, 'C2'));
    await record(phone('2024-06-02', 'h9', false, 'C2'));
    // A same-day pair that a correction moved apart is no longer a probable double count.
    await record(phone('2024-07-01', 'h1', true));
    const moved = await record(phone('2024-07-01', 'h1', true));
    await store.append(append(moved, [corrected('fix', moved, phone('2024-07-01', 'h1', true), phone('2024-07-02', 'h1', true), '日期录错')]));
    await record(training('2024-03-01', 'general'));
    await record(training('2024-03-02', 'activity'));
    await record(training('2024-03-03', 'activity'));
    await service.projections.main.catchUp();
  });
  afterAll(async () => running.close());

  it('adds an indicator through the API and computes it from all earlier events', async () => {
    const added = await call('POST', '/api/v1/indicator-definitions', {
      code: 'volunteer_trainings_activity', name: '志愿者活动性培训', unit: '场', kind: 'volunteer_training', filter: { type: 'activity' }, measure: { type: 'count' },
    });
    expect(added).toMatchObject({ status: 202, body: { code: 'volunteer_trainings_activity', version: 1, state: 'building' } });
    await service.projections.whenBuilt(added.body.id);
    expect(await actual('volunteer_trainings_activity')).toBe(2);
    const list = await call('GET', '/api/v1/indicator-definitions');
    expect(list.body.find((d: { code: string }) => d.code === 'volunteer_trainings_activity')).toMatchObject({ state: 'active', version: 1 });
  });

  it('builds a changed definition as a new version beside the active one and switches to it once caught up', async () => {
    const changed = await call('PUT', '/api/v1/indicator-definitions/phone_contacts', {
      code: 'ignored', name: '电话访问(含短信)', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'count' },
    });
    expect(changed).toMatchObject({ status: 202, body: { code: 'phone_contacts', version: 2, state: 'building' } });
    const during = await call('GET', '/api/v1/indicator-definitions');
    const versions = during.body.filter((d: { code: string }) => d.code === 'phone_contacts').map((d: { version: number; state: string }) => [d.version, d.state]);
    expect(versions).toContainEqual([1, 'active']);
    await service.projections.whenBuilt(changed.body.id);
    expect(await actual('phone_contacts')).toBe(7);
    const after = await call('GET', '/api/v1/indicator-definitions');
    expect(after.body.filter((d: { code: string }) => d.code === 'phone_contacts').map((d: { state: string }) => d.state)).toEqual(['retired', 'active']);
    // Events recorded after the switch count for the new version only.
    await record(phone('2024-08-01', 'h9', false, 'C2'));
    await service.projections.main.catchUp();
    expect(await actual('phone_contacts')).toBe(8);
  });

  it('answers from the active version while the new one, caught up, waits for the switch', async () => {
    const visits = await actual('home_visits');
    // Hold the main checkpoint as a busy main projection would: the switch has to wait for it.
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query("SELECT position FROM es_checkpoints WHERE name = 'indicators' FOR UPDATE");
      const changed = await call('PUT', '/api/v1/indicator-definitions/home_visits', {
        code: 'home_visits', name: '探访(含未入户)', unit: '个', kind: 'home_visit', filter: {}, measure: { type: 'count' },
      });
      expect(changed.status).toBe(202);
      const head = await store.headPosition();
      for (let i = 0; i < 200 && (await readCheckpoint(db.pool, `indicators:build:${changed.body.id}`)) < head; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(await readCheckpoint(db.pool, `indicators:build:${changed.body.id}`)).toBe(head);
      expect(await actual('home_visits')).toBe(visits);
      await holder.query('COMMIT');
      await service.projections.whenBuilt(changed.body.id);
    } finally {
      holder.release();
    }
    expect(await actual('home_visits')).toBe(visits + 1);
    const list = await call('GET', '/api/v1/indicator-definitions');
    expect(list.body.filter((d: { code: string }) => d.code === 'home_visits').map((d: { state: string }) => d.state)).toEqual(['retired', 'active']);
  });

  it.each([
    [{ code: 'X', name: 'x', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'count' } }, 'bad_indicator_definition'],
    [{ code: 'x_sum', name: 'x', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'sum' } }, 'bad_indicator_definition'],
    [{ code: 'x_avg', name: 'x', unit: '个', kind: 'phone_contact', filter: {}, measure: { type: 'avg', field: 'a' } }, 'bad_indicator_definition'],
    [{ code: 'x_f', name: 'x', unit: '个', kind: 'phone_contact', filter: { effective: { gt: 1 } }, measure: { type: 'count' } }, 'bad_indicator_definition'],
  ])('refuses a malformed definition with 400 (%#)', async (definition, code) => {
    const { status, body } = await call('POST', '/api/v1/indicator-definitions', definition);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
  });

  it('refuses an unknown record kind at the edge', async () => {
    const { status } = await call('POST', '/api/v1/indicator-definitions', { code: 'x_k', name: 'x', unit: '个', kind: 'teleport', filter: {}, measure: { type: 'count' } });
    expect(status).toBe(400);
  });

  it('refuses to add an existing code (409) and to change an unknown one (404)', async () => {
    const body = { code: 'outreach', name: '外展', unit: '次', kind: 'outreach', filter: {}, measure: { type: 'count' } };
    expect((await call('POST', '/api/v1/indicator-definitions', body)).status).toBe(409);
    expect((await call('PUT', '/api/v1/indicator-definitions/nothing_here', body)).status).toBe(404);
  });

  it('finds under-contacted households, SMS-only households and probable double counts per station', async () => {
    const { status, body } = await call('GET', `/api/v1/quality?scope=station:ST&${year}`);
    expect(status).toBe(200);
    const { findings } = body;
    expect(findings.underContacted).toEqual([
      { household: 'h5', community: 'C1', riskLevel: 5, required: 12, effectiveContacts: 2 },
      { household: 'h9', community: 'C2', riskLevel: 2, required: 2, effectiveContacts: 0 },
    ]);
    expect(findings.onlyNonEffectiveContacts).toEqual([{ household: 'h9', community: 'C2', contacts: 4 }]);
    expect(findings.probableDoubleCounts).toEqual([
      { kind: 'phone_contact', worker: 'w1', household: 'h9', occurredOn: '2024-06-01', records: [expect.any(String), expect.any(String)] },
    ]);
    expect(findings.casesWithoutConsent).toEqual([]);
  });

  it('narrows the findings to an area', async () => {
    const { body } = await call('GET', `/api/v1/quality?scope=area:ST/A1&${year}`);
    expect(body.findings.underContacted.map((f: { household: string }) => f.household)).toEqual(['h5']);
    expect(body.findings.onlyNonEffectiveContacts).toEqual([]);
  });

  it.each([
    ['scope=city&from=2024-01-01&to=2024-12-31', 400],
    ['scope=station:NOPE&from=2024-01-01&to=2024-12-31', 404],
    ['scope=station:ST&from=2024-13-01&to=2024-12-31', 400],
  ])('refuses quality for %s', async (query, status) => {
    expect((await call('GET', `/api/v1/quality?${query}`)).status).toBe(status);
  });
});
