/**
 * Every role against every endpoint family and place, in both apps: allowed, or 403. The table is
 * the specification: a new endpoint is one more entry in FAMILIES with the roles and places it
 * admits. Places: the callers live in Tianhe (440106), station YG; the "other" places are Baiyun
 * (440111), station SYL.
 */
import { PgEventStore } from '@app/event-store';
import { ROLES, type Role, type Scope } from '@app/auth';
import type { AnyRecord } from '@app/recording';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { evaluationMigrations } from '../../apps/evaluation/src/migrations.js';
import { RecordingService } from '../../apps/backoffice/src/recording/recording.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { adminFetch, tokenFor } from '../support/auth.js';
import { startApps } from './apps.js';

type Target = 'own district' | 'other district' | 'own station' | 'other station';
const ALL: Target[] = ['own district', 'other district', 'own station', 'other station'];
const OWN_STATION: Target[] = ['own station'];
const OWN: Target[] = ['own district', 'own station'];

interface PlaceFixture {
  district: string;
  station: string;
  community: string;
  /** The evaluation cycle of this place's station. */
  cycle: string;
}
const TIANHE: PlaceFixture = { district: '440106', station: 'YG', community: 'yg-c1', cycle: 'cy-yg' };
const BAIYUN: PlaceFixture = { district: '440111', station: 'SYL', community: 'syl-c1', cycle: 'cy-syl' };
const PLACE: Record<Target, { place: PlaceFixture; level: 'district' | 'station' }> = {
  'own district': { place: TIANHE, level: 'district' },
  'other district': { place: BAIYUN, level: 'district' },
  'own station': { place: TIANHE, level: 'station' },
  'other station': { place: BAIYUN, level: 'station' },
};

const SCOPE: Record<Role, Scope> = {
  city_admin: {},
  district_bureau: { districts: [TIANHE.district] },
  street_office: { stations: [TIANHE.station] },
  station_manager: { stations: [TIANHE.station] },
  social_worker: { stations: [TIANHE.station] },
  evaluator: { cycles: [TIANHE.cycle] },
  supervision_centre: { stations: [TIANHE.station] },
  analyst: {},
};

interface Request {
  app: 'backoffice' | 'evaluation';
  method: string;
  path: string;
  body?: unknown;
  ndjson?: string;
}

interface Family {
  name: string;
  /** The levels this family is asked at: a district-level target of a station-only family is skipped. */
  levels: ('district' | 'station')[] | 'no place';
  request(target: { place: PlaceFixture; level: 'district' | 'station' } | undefined, n: number, role: Role): Request;
  /** Roles admitted, and where; `true` for a family without a place. */
  allowed: Partial<Record<Role, Target[] | true>>;
  /** Import lines answer 200 and refuse the line: the line's reason decides. */
  outcome?(status: number, body: any): 'allowed' | 'denied' | undefined;
}

const period = 'from=2025-01-01&to=2025-12-31';
const scopeOf = (t: { place: PlaceFixture; level: 'district' | 'station' }) => (t.level === 'district' ? `district:${t.place.district}` : `station:${t.place.station}`);
const placeQuery = (t: { place: PlaceFixture; level: 'district' | 'station' }) => (t.level === 'district' ? `district=${t.place.district}` : `station=${t.place.station}`);
const INDICATOR_READERS: Family['allowed'] = {
  city_admin: ALL,
  district_bureau: OWN,
  street_office: OWN_STATION,
  station_manager: OWN_STATION,
  social_worker: OWN_STATION,
  supervision_centre: OWN_STATION,
  analyst: ALL,
};
const everyRoleBut = (...except: Role[]) => Object.fromEntries(ROLES.filter((role) => !except.includes(role)).map((role) => [role, true]));
const lineOutcome = (status: number, body: any) => {
  if (status === 403) return 'denied';
  if (status !== 200) return undefined;
  if (body.accepted === 1) return 'allowed';
  return /^(role_not_allowed|out_of_scope)/.test(body.rejected?.[0]?.reason ?? '') ? 'denied' : undefined;
};

const FAMILIES: Family[] = [
  // backoffice: indicator queries, exports and history (aggregates)
  { name: 'indicator table', levels: ['district', 'station'], request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/indicators?scope=${scopeOf(t!)}&${period}` }), allowed: INDICATOR_READERS },
  { name: 'indicator export (CSV)', levels: ['district', 'station'], request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/indicators?scope=${scopeOf(t!)}&${period}&format=csv` }), allowed: INDICATOR_READERS },
  { name: 'indicator history', levels: ['district', 'station'], request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/indicators/phone_contacts/history?scope=${scopeOf(t!)}` }), allowed: INDICATOR_READERS },
  {
    name: 'data-quality findings',
    levels: ['station'],
    request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/quality?scope=${scopeOf(t!)}&${period}` }),
    allowed: { ...INDICATOR_READERS, analyst: [] },
  },
  { name: 'indicator catalog (read)', levels: 'no place', request: () => ({ app: 'backoffice', method: 'GET', path: '/api/v1/indicator-definitions' }), allowed: everyRoleBut('evaluator') },
  {
    name: 'indicator catalog (change)',
    levels: 'no place',
    request: (_t, n) => ({
      app: 'backoffice',
      method: 'POST',
      path: '/api/v1/indicator-definitions',
      body: { code: `matrix_${n}`, name: 'm', unit: '个', kind: 'outreach', filter: {}, measure: { type: 'count' } },
    }),
    allowed: { city_admin: true },
  },
  // backoffice: imports, line by line (a service record at a station; a station registered in a district)
  {
    name: 'import line',
    levels: ['district', 'station'],
    request: (t, n) => ({
      app: 'backoffice',
      method: 'POST',
      path: '/api/v1/imports',
      ndjson:
        t!.level === 'station'
          ? JSON.stringify({ id: `m-${n}`, kind: 'outreach', station: t!.place.station, community: t!.place.community, occurredOn: '2025-03-01', worker: 'w', reached: 3 })
          : JSON.stringify({
              id: `m-${n}`,
              kind: 'station',
              code: `S${n}`,
              name: `S${n}`,
              district: t!.place.district,
              street: 's',
              operator: 'o',
              areas: [{ code: 'A1', name: 'a', communities: [{ code: `s${n}-c`, name: 'c' }] }],
            }),
    }),
    allowed: { city_admin: ALL, district_bureau: ['own district'], station_manager: OWN_STATION, social_worker: OWN_STATION },
    outcome: lineOutcome,
  },
  // backoffice: commands (POST /api/v1/records/{kind})
  {
    name: 'service record',
    levels: ['station'],
    request: (t, n) => ({ app: 'backoffice', method: 'POST', path: '/api/v1/records/outreach', body: { id: `r-${n}`, station: t!.place.station, community: t!.place.community, occurredOn: '2025-03-01', worker: 'w', reached: 2 } }),
    allowed: { city_admin: ALL, station_manager: OWN_STATION, social_worker: OWN_STATION },
  },
  {
    name: 'correction',
    levels: ['station'],
    request: (t, n) => ({ app: 'backoffice', method: 'POST', path: '/api/v1/records/correction', body: { id: `v-${n}`, corrects: `mx-o-${t!.place.station}`, action: 'void', reason: 'matrix' } }),
    allowed: { city_admin: ALL, station_manager: OWN_STATION, social_worker: OWN_STATION },
  },
  {
    name: 'station registration',
    levels: ['district'],
    request: (t, n) => ({
      app: 'backoffice',
      method: 'POST',
      path: '/api/v1/records/station',
      body: { id: `st-${n}`, code: `ST${n}`, name: 'n', district: t!.place.district, street: 's', operator: 'o', areas: [{ code: 'A1', name: 'a', communities: [{ code: `st${n}-c`, name: 'c' }] }] },
    }),
    allowed: { city_admin: ALL, district_bureau: ['own district'] },
  },
  {
    name: 'contract',
    levels: ['station'],
    request: (t, n) => ({
      app: 'backoffice',
      method: 'POST',
      path: '/api/v1/records/contract',
      body: { id: `k-${n}`, code: `K-${n}`, station: t!.place.station, periodStart: `${2030 + n}-01-01`, periodEnd: `${2030 + n}-12-31`, budgetYuan: '1.00', targets: {} },
    }),
    allowed: { city_admin: ALL, district_bureau: OWN, street_office: OWN_STATION },
  },
  // backoffice: a person's file
  {
    name: 'household file',
    levels: ['station'],
    request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/households/${t!.place.station}/HH-${t!.place.station}` }),
    allowed: { city_admin: ALL, district_bureau: OWN, street_office: OWN_STATION, station_manager: OWN_STATION, social_worker: OWN_STATION, supervision_centre: OWN_STATION },
  },
  // backoffice: personal data
  { name: 'personal-data read log', levels: ['district', 'station'], request: (t) => ({ app: 'backoffice', method: 'GET', path: `/api/v1/personal-data/reads?${placeQuery(t!)}` }), allowed: { city_admin: ALL, district_bureau: OWN } },
  { name: 'erasure request', levels: 'no place', request: (_t, n) => ({ app: 'backoffice', method: 'POST', path: '/api/v1/personal-data/erasures', body: { station: TIANHE.station, household: `none-${n}`, reason: 'matrix' } }), allowed: { city_admin: true } },
  // evaluation: cycles of the place's station
  { name: 'cycle list', levels: ['station'], request: (t) => ({ app: 'evaluation', method: 'GET', path: `/api/v1/cycles?station=${t!.place.station}` }), allowed: { city_admin: ALL, district_bureau: OWN, street_office: OWN_STATION, station_manager: OWN_STATION, supervision_centre: OWN_STATION } },
  ...['', '/score', '/trail', '/report'].map(
    (suffix): Family => ({
      name: `cycle read ${suffix || '(state)'}`,
      levels: ['station'],
      request: (t) => ({ app: 'evaluation', method: 'GET', path: `/api/v1/cycles/${t!.place.cycle}${suffix}` }),
      allowed: { city_admin: ALL, district_bureau: OWN, street_office: OWN_STATION, station_manager: OWN_STATION, supervision_centre: OWN_STATION, evaluator: OWN_STATION },
    }),
  ),
  {
    name: 'cycle opening',
    levels: ['station'],
    request: (t, n) => ({
      app: 'evaluation',
      method: 'POST',
      path: '/api/v1/cycles',
      body: { id: `cy-m${n}`, station: t!.place.station, contract: `${t!.place.station}-2025`, kind: 'mid_term', cutOff: '2025-06-30', evaluator: '评估方' },
    }),
    allowed: { city_admin: ALL, district_bureau: OWN },
  },
  {
    name: 'party score',
    levels: ['station'],
    // Each party scores as itself; the others try the district bureau's share.
    request: (t, _n, role) => ({
      app: 'evaluation',
      method: 'POST',
      path: `/api/v1/cycles/${t!.place.cycle}/party-scores`,
      body: { party: ['street_office', 'supervision_centre'].includes(role) ? role : 'district_bureau', points: 90, reason: 'matrix' },
    }),
    allowed: { city_admin: ALL, district_bureau: OWN, street_office: OWN_STATION, supervision_centre: OWN_STATION },
  },
  {
    name: 'expert score',
    levels: ['station'],
    request: (t) => ({ app: 'evaluation', method: 'POST', path: `/api/v1/cycles/${t!.place.cycle}/expert-scores`, body: { dimension: 'project_management', points: 1, reason: 'matrix' } }),
    allowed: { city_admin: ALL, evaluator: OWN_STATION },
  },
];

const ACCESS_REFUSALS = new Set(['out_of_scope', 'role_not_allowed']);

/**
 * What the API answered: denied is a 403 of the access rules; allowed is a 2xx, or a refusal by the
 * domain past access control (a stage out of order: 422; a recused expert: 403 with its own code).
 */
function defaultOutcome(status: number, body: any): 'allowed' | 'denied' | undefined {
  if (status === 403) return ACCESS_REFUSALS.has(body?.code) ? 'denied' : 'allowed';
  return status < 300 || status === 409 || status === 422 ? 'allowed' : undefined;
}

const SETUP: AnyRecord[] = [
  { id: 'mx-d1', kind: 'district', code: TIANHE.district, name: '天河区' },
  { id: 'mx-d2', kind: 'district', code: BAIYUN.district, name: '白云区' },
  ...[TIANHE, BAIYUN].flatMap((p): AnyRecord[] => [
    { id: `mx-s-${p.station}`, kind: 'station', code: p.station, name: p.station, district: p.district, street: p.station, operator: 'NGO', areas: [{ code: 'A1', name: 'A1', communities: [{ code: p.community, name: p.community }] }] },
    { id: `mx-c-${p.station}`, kind: 'contract', code: `${p.station}-2025`, station: p.station, periodStart: '2025-01-01', periodEnd: '2025-12-31', budgetYuan: '2400000.00', targets: { phone_contacts: 100 } },
    { id: `mx-o-${p.station}`, kind: 'outreach', station: p.station, community: p.community, occurredOn: '2025-02-01', worker: 'w', reached: 5 },
    { id: `mx-h-${p.station}`, kind: 'household_archived', station: p.station, community: p.community, occurredOn: '2025-02-01', worker: 'w', household: `HH-${p.station}`, persons: 1, category: '低保', riskLevel: 2, contact: { name: '李某', phone: '13500000000' } },
  ]),
] as AnyRecord[];

describe('access matrix: every role × endpoint family × place, in both apps', () => {
  let db: TestDatabase;
  let apps: Awaited<ReturnType<typeof startApps>>;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase([...backofficeMigrations, ...evaluationMigrations]);
    const outcomes = await new RecordingService(db.pool, new PgEventStore(db.pool)).recordBatch(SETUP, { actor: 'matrix:setup' });
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    apps = await startApps(db.pool);
    for (let i = 0; i < 300; i += 1) {
      const status = (await (await adminFetch(`${apps.evaluation}/api/v1/read-model/status`)).json()) as Record<string, number>;
      if (status.recording >= status.recordingHead) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const p of [TIANHE, BAIYUN]) {
      const opened = await adminFetch(`${apps.evaluation}/api/v1/cycles`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: p.cycle, station: p.station, contract: `${p.station}-2025`, kind: 'final', cutOff: '2025-06-30', evaluator: '评估方' }),
      });
      expect(opened.status).toBe(201);
    }
  });
  afterAll(async () => {
    await apps?.close();
    await db?.drop();
  });

  type Case = [family: string, role: Role, target: Target | 'no place', expected: boolean];
  const cases = FAMILIES.flatMap((family) =>
    ROLES.flatMap((role): Case[] => {
      const admitted = family.allowed[role];
      if (family.levels === 'no place') return [[family.name, role, 'no place', admitted === true]];
      const levels = family.levels;
      return ALL.filter((target) => levels.includes(PLACE[target].level)).map((target): Case => [family.name, role, target, Array.isArray(admitted) && admitted.includes(target)]);
    }),
  );

  it.each(cases)('%s as %s at %s: allowed %s', async (familyName, role, target, expected) => {
    const family = FAMILIES.find((f) => f.name === familyName)!;
    n += 1;
    const request = family.request(target === 'no place' ? undefined : PLACE[target], n, role);
    const headers: Record<string, string> = { authorization: `Bearer ${tokenFor(role, SCOPE[role])}` };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.ndjson !== undefined) headers['content-type'] = 'application/x-ndjson';
    const response = await fetch(`${apps[request.app]}${request.path}`, {
      method: request.method,
      headers,
      body: request.ndjson ?? (request.body === undefined ? undefined : JSON.stringify(request.body)),
    });
    const text = await response.text();
    const body = text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    const outcome = (family.outcome ?? defaultOutcome)(response.status, body);
    expect({ outcome, status: response.status, body: outcome ? undefined : body }).toMatchObject({ outcome: expected ? 'allowed' : 'denied' });
  });

  it('keeps a scoring party to its own share: a street office scoring its own cycle as the district bureau gets 403', async () => {
    const response = await fetch(`${apps.evaluation}/api/v1/cycles/${TIANHE.cycle}/party-scores`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenFor('street_office', SCOPE.street_office)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ party: 'district_bureau', points: 90, reason: 'matrix' }),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 403,
      body: { statusCode: 403, error: 'forbidden', code: 'role_not_allowed', message: 'a street_office scores only as itself, not as district_bureau' },
    });
  });
});
