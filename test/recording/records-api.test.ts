import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBackofficeApp } from '../../apps/backoffice/src/bootstrap.js';
import { backofficeMigrations } from '../../apps/backoffice/src/migrations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { tokenFor } from '../support/auth.js';

/** Places every test here builds on: 白云区, one station with two areas, one contract year. */
const SETUP = [
  { id: 'setup-district', kind: 'district', code: '440111', name: '白云区' },
  {
    id: 'setup-station',
    kind: 'station',
    code: 'SYL',
    name: '三元里街社工服务站',
    district: '440111',
    street: '三元里街',
    operator: '广州市穗星社会工作服务中心',
    areas: [
      { code: 'A1', name: '一片区', communities: [{ code: 'SLQ', name: '石榴桥' }, { code: 'SBG', name: '松柏岗' }] },
      { code: 'A3', name: '三片区', communities: [{ code: 'DY', name: '东约' }] },
    ],
  },
  {
    id: 'setup-contract',
    kind: 'contract',
    code: '440111-2024-0001',
    station: 'SYL',
    periodStart: '2024-05-24',
    periodEnd: '2025-05-23',
    budgetYuan: '2400000.00',
    targets: { phone_contacts: 3000, resources_linked_yuan: '60000.00' },
  },
];

const at = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  station: 'SYL',
  community: 'SLQ',
  occurredOn: '2024-09-02',
  worker: 'worker-li',
  ...fields,
});

/** One valid record of every service kind, in an order in which each is allowed. */
const SERVICES: [string, Record<string, unknown>, string][] = [
  ['phone_contact', at('pc-1', { household: 'h-1', effective: true }), 'PhoneContactRecorded'],
  ['home_visit', at('hv-1', { household: 'h-1', entered: false }), 'HomeVisitRecorded'],
  ['consult_case_closed', at('cc-1', { household: 'h-2' }), 'ConsultationCaseClosed'],
  ['case_opened', at('co-1', { case: 'case-1', household: 'h-1', consentOn: '2024-09-01' }), 'CaseOpened'],
  ['case_session', at('cs-1', { case: 'case-1', occurredOn: '2024-09-09' }), 'CaseSessionRecorded'],
  ['case_closed', at('cx-1', { case: 'case-1', occurredOn: '2024-10-09' }), 'CaseClosed'],
  ['group_formed', at('gf-1', { group: 'g-1', title: '长者健康小组' }), 'GroupFormed'],
  ['group_session', at('gs-1', { group: 'g-1', attendance: 12 }), 'GroupSessionRecorded'],
  ['activity', at('ac-1', { size: 'large', title: '中秋游园', attendance: 120, partners: 3 }), 'CommunityActivityHeld'],
  ['regular_service', at('rs-1', { attendance: 8 }), 'RegularServiceRecorded'],
  ['outreach', at('or-1', { reached: 40 }), 'OutreachRecorded'],
  ['volunteer_registered', at('vr-1', { volunteer: 'v-1' }), 'VolunteerRegistered'],
  ['volunteer_core', at('vc-1', { volunteer: 'v-1' }), 'VolunteerMadeCore'],
  ['volunteer_team_formed', at('vt-1', { team: 't-1' }), 'VolunteerTeamFormed'],
  ['volunteer_training', at('vtr-1', { type: 'general' }), 'VolunteerTrainingHeld'],
  ['resource_linked', at('rl-1', { amountYuan: '523106.71', resourceType: 'money', source: '区慈善会' }), 'ResourceLinked'],
  [
    'household_archived',
    at('ha-1', { household: 'h-1', persons: 2, category: '低保', riskLevel: 4, contact: { name: '陈某', phone: '13800000000' } }),
    'HouseholdArchived',
  ],
  ['household_reassessed', at('hr-1', { household: 'h-1', riskLevel: 5, occurredOn: '2024-12-01' }), 'HouseholdReassessed'],
];

describe('recording REST API (POST /api/v1/records/{kind})', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let base: string;

  /** As the city administrator; `x-actor` names the token's subject (the actor of the events). */
  async function post(kind: string, body: unknown, { 'x-actor': actor, ...headers }: Record<string, string> = {}) {
    const response = await fetch(`${base}/api/v1/records/${kind}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('city_admin', {}, actor)}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const postRecord = (record: Record<string, unknown>, headers?: Record<string, string>) => {
    const { kind, ...body } = record;
    return post(kind as string, body, headers);
  };

  async function eventOf(recordId: string) {
    const { rows } = await db.pool.query<{ type: string; stream_id: string; data: Record<string, unknown>; metadata: Record<string, unknown> }>(
      "SELECT type, stream_id, data, metadata FROM es_events WHERE metadata->>'recordId' = $1",
      [recordId],
    );
    return rows;
  }

  beforeAll(async () => {
    db = await createTestDatabase(backofficeMigrations);
    app = await createBackofficeApp(db.pool);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    for (const record of SETUP) expect((await postRecord(record)).status).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  describe('places and contracts', () => {
    it('records the setup as events with district and station in their metadata', async () => {
      const [station] = await eventOf('setup-station');
      expect(station).toMatchObject({ type: 'StationRegistered', stream_id: 'station-SYL', metadata: { district: '440111', station: 'SYL' } });
      const [contract] = await eventOf('setup-contract');
      expect(contract!.data).toMatchObject({ budgetYuan: '2400000.00', targets: { phone_contacts: 3000, resources_linked_yuan: '60000.00' } });
    });

    it('refuses a second registration of a district or station under a new id', async () => {
      expect((await post('district', { id: 'd-again', code: '440111', name: '白云区' })).body.code).toBe('district_already_registered');
      const again = await post('station', { ...SETUP[1], id: 'st-again', kind: undefined });
      expect(again).toMatchObject({ status: 422, body: { code: 'station_already_registered' } });
    });

    it('refuses a station of an unregistered district and a contract of an unknown station', async () => {
      const station = await post('station', { ...SETUP[1], id: 'st-x', kind: undefined, code: 'X', district: '440106' });
      expect(station).toMatchObject({ status: 422, body: { code: 'unknown_district' } });
      const contract = await post('contract', { ...SETUP[2], id: 'k-x', kind: undefined, code: 'K-X', station: 'NOWHERE' });
      expect(contract).toMatchObject({ status: 422, body: { code: 'unknown_station' } });
    });

    it('refuses a contract overlapping the station\'s current one', async () => {
      const overlapping = await post('contract', { ...SETUP[2], id: 'k-2', kind: undefined, code: 'K-2', periodStart: '2025-05-01', periodEnd: '2026-04-30' });
      expect(overlapping).toMatchObject({ status: 422, body: { code: 'contract_periods_overlap' } });
    });

    it('amends targets with a reason, keeping the amendment as its own event', async () => {
      const amended = await post('contract_amended', { id: 'amend-1', contract: '440111-2024-0001', targets: { phone_contacts: 3200 }, reason: '街道追加电访' });
      expect(amended.status).toBe(201);
      const [event] = await eventOf('amend-1');
      expect(event).toMatchObject({ type: 'ContractTargetsAmended', stream_id: 'contract-440111-2024-0001', data: { reason: '街道追加电访' } });
      const unknown = await post('contract_amended', { id: 'amend-2', contract: 'NOPE', targets: { phone_contacts: 1 }, reason: 'r' });
      expect(unknown).toMatchObject({ status: 422, body: { code: 'unknown_contract' } });
    });
  });

  describe('every service kind', () => {
    it.each(SERVICES)('records %s as its event with actor, record id, content hash, district and station', async (kind, body, type) => {
      const response = await post(kind, body, { 'x-actor': 'worker-li', 'x-correlation-id': `corr-${kind}` });
      expect(response).toMatchObject({ status: 201, body: { status: 'accepted' } });
      expect(typeof response.body.position).toBe('number');
      const events = await eventOf(body.id as string);
      expect(events).toHaveLength(1);
      expect(events[0]!.type).toBe(type);
      expect(events[0]!.metadata).toMatchObject({
        actor: 'worker-li',
        correlationId: `corr-${kind}`,
        recordId: body.id,
        district: '440111',
        station: 'SYL',
      });
      expect(events[0]!.metadata.contentHash).toEqual(expect.any(String));
      const { id: _id, contact, ...fields } = body;
      // Personal data is stored sealed under the household's key (test/auth/erasure.test.ts).
      expect(events[0]!.data).toEqual({ recordId: body.id, ...fields, ...(contact ? { contact: { sealed: expect.any(String) } } : {}) });
    });

    it('answers a re-sent record with 200 duplicate and the same position, appending nothing', async () => {
      const first = await post('phone_contact', at('dup-1', { effective: true }));
      const again = await post('phone_contact', at('dup-1', { effective: true }));
      expect(first.status).toBe(201);
      expect(again).toEqual({ status: 200, body: { status: 'duplicate', position: first.body.position } });
      expect(await eventOf('dup-1')).toHaveLength(1);
    });

    it('answers the same id with other content with 409', async () => {
      await post('phone_contact', at('dup-2', { effective: true }));
      const other = await post('phone_contact', at('dup-2', { effective: false }));
      expect(other).toMatchObject({ status: 409, body: { code: 'record_id_reused' } });
    });

    it('treats a re-sent registration as a duplicate, not as "already registered"', async () => {
      const volunteer = at('vr-dup', { volunteer: 'v-dup' });
      expect((await post('volunteer_registered', volunteer)).status).toBe(201);
      expect((await post('volunteer_registered', volunteer)).body.status).toBe('duplicate');
    });

    it("records the token's subject as the actor", async () => {
      await post('outreach', at('anon-1', { reached: 1 }));
      expect((await eventOf('anon-1'))[0]!.metadata.actor).toBe('test:city_admin');
    });
  });

  describe('domain rules (422 with the rule\'s code)', () => {
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['a case opened before informed consent', 'case_opened', at('r-consent', { case: 'c-late', household: 'h', consentOn: '2024-09-03' }), 'consent_after_opening'],
      ['a session of a case never opened', 'case_session', at('r-s', { case: 'c-none' }), 'case_not_open'],
      ['closing a case never opened', 'case_closed', at('r-c', { case: 'c-none' }), 'case_not_open'],
      ['a session of a closed case', 'case_session', at('r-s2', { case: 'case-1', occurredOn: '2024-11-01' }), 'case_not_open'],
      ['a session of a group never formed', 'group_session', at('r-g', { group: 'g-none', attendance: 3 }), 'group_not_formed'],
      ['a volunteer registered twice', 'volunteer_registered', at('r-v', { volunteer: 'v-1' }), 'volunteer_already_registered'],
      ['a household archived twice', 'household_archived', at('r-h', { household: 'h-1', persons: 1, category: '低保', riskLevel: 2 }), 'household_already_archived'],
      ['re-assessing a household never archived', 'household_reassessed', at('r-h2', { household: 'h-none', riskLevel: 2 }), 'household_not_archived'],
      ['an unknown station', 'phone_contact', at('r-st', { station: 'NOWHERE', effective: true }), 'unknown_station'],
      ['a community of another station', 'phone_contact', at('r-co', { community: 'XX', effective: true }), 'community_not_in_station'],
      ['a date outside the contract period', 'phone_contact', at('r-d', { occurredOn: '2024-05-23', effective: true }), 'outside_contract_period'],
    ];
    it.each(cases)('refuses %s', async (_name, kind, body, code) => {
      const response = await post(kind, body);
      expect(response).toMatchObject({ status: 422, body: { error: 'invariant', code } });
      expect(response.body.message).toEqual(expect.any(String));
      expect(await eventOf(body.id as string)).toHaveLength(0);
    });

    it('re-draws areas for a new contract year without moving earlier records', async () => {
      const next = { ...SETUP[2], kind: undefined, id: 'contract-2025', code: '440111-2025-0001', periodStart: '2025-05-24', periodEnd: '2026-05-23' };
      expect((await post('contract', next)).status).toBe(201);
      const redraw = {
        ...SETUP[1],
        kind: undefined,
        id: 'redraw-2025',
        effectiveFrom: '2025-05-24',
        areas: [{ code: 'A1', name: '一片区', communities: [{ code: 'SLQ', name: '石榴桥' }, { code: 'SBG', name: '松柏岗' }] }],
      };
      const redrawn = await post('station', redraw);
      expect(redrawn.status).toBe(201);
      expect((await eventOf('redraw-2025'))[0]).toMatchObject({ type: 'StationAreasRedrawn', stream_id: 'station-SYL' });
      // 东约 (DY) left the station's drawing from 2025-05-24 on, and stays in it before.
      expect((await post('phone_contact', at('dy-before', { community: 'DY', occurredOn: '2025-05-23', effective: true }))).status).toBe(201);
      const after = await post('phone_contact', at('dy-after', { community: 'DY', occurredOn: '2025-06-01', effective: true }));
      expect(after).toMatchObject({ status: 422, body: { code: 'community_not_in_station' } });
    });
  });

  describe('bad input (400 naming the field and the rule)', () => {
    const reasonOf = (body: Record<string, unknown>) => String(body.message);

    it('refuses malformed JSON', async () => {
      const response = await post('phone_contact', '{"id": "x", ');
      expect(response.status).toBe(400);
    });

    it('answers an unknown kind with 404 and a body kind that contradicts the path with 400', async () => {
      expect((await post('telepathy', at('k-1'))).status).toBe(404);
      const mismatch = await post('phone_contact', { ...at('k-2', { effective: true }), kind: 'home_visit' });
      expect(mismatch).toMatchObject({ status: 400, body: { code: 'kind_mismatch' } });
    });

    it.each([
      ['an unknown field', at('b-1', { effective: true, mood: 'happy' }), /mood/],
      ['a wrong type', at('b-2', { effective: 'yes' }), /effective must be a boolean/],
      ['a missing field', { id: 'b-3', station: 'SYL', community: 'SLQ', occurredOn: '2024-09-02', effective: true }, /^worker is required$/],
      ['a date that is not on the calendar', at('b-4', { occurredOn: '2025-02-30', effective: true }), /occurredOn must be a real calendar date/],
      ['a missing id', { ...at('x', { effective: true }), id: undefined }, /^id is required$/],
    ])('refuses %s', async (_name, body, reason) => {
      const response = await post('phone_contact', body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toMatch(reason);
    });

    it('refuses a negative attendance', async () => {
      const response = await post('group_session', at('b-5', { group: 'g-1', attendance: -1 }));
      expect(response.status).toBe(400);
      expect(reasonOf(response.body)).toMatch(/attendance must not be less than 0/);
    });

    it.each([
      ['a float', 12.5],
      ['three decimals', '12.345'],
      ['a negative amount', '-5.00'],
      ['ten billion yuan or more (int8 fen totals would overflow)', '10000000000.00'],
    ])('refuses money as %s', async (_name, amountYuan) => {
      const response = await post('resource_linked', at('b-6', { amountYuan, resourceType: 'money', source: 's' }));
      expect(response.status).toBe(400);
      expect(reasonOf(response.body)).toMatch(/amountYuan must be a non-negative amount below 10,000,000,000 as a decimal string with at most two decimals/);
    });

    it('refuses a nested station area with a wrong type, naming its path', async () => {
      const response = await post('station', { ...SETUP[1], kind: undefined, id: 'b-7', code: 'B7', areas: [{ code: 'A', name: 'a', communities: [{ code: 5, name: 'x' }] }] });
      expect(response.status).toBe(400);
      expect(reasonOf(response.body)).toMatch(/areas\.0\.communities\.0\.code must be a string/);
    });

    const station = (id: string, fields: Record<string, unknown> = {}) => ({ ...SETUP[1], kind: undefined, id, code: id, ...fields });
    const contract = (id: string, targets: Record<string, unknown>) => ({ ...SETUP[2], kind: undefined, id, code: id, periodStart: '2030-01-01', periodEnd: '2030-12-31', targets });
    const unsafe = 'must not contain NUL or unpaired surrogate characters';

    it.each([
      ['NUL in a top-level text', 'phone_contact', at('nul-1', { effective: true, worker: 'li\u0000' }), `worker ${unsafe}`],
      ['an unpaired surrogate in a top-level text', 'phone_contact', at('nul-2', { effective: true, worker: 'li\uD800' }), `worker ${unsafe}`],
      ['NUL in personal data', 'household_archived', at('nul-3', { household: 'h-n', persons: 1, category: 'c', riskLevel: 1, contact: { name: '\u0000' } }), `contact.name ${unsafe}`],
      ['an unpaired surrogate in a community', 'station', station('NUL4', { areas: [{ code: 'A', name: 'a', communities: [{ code: 'C', name: '\uDC00' }] }] }), `areas.0.communities.0.name ${unsafe}`],
      ['NUL in a replacement', 'correction', { id: 'nul-5', corrects: 'pc-1', action: 'replace', reason: 'r', replacement: { ...at('x', { effective: true, worker: '\u0000' }), id: undefined, kind: 'phone_contact' } }, `replacement.worker ${unsafe}`],
      ['NUL in a target code', 'contract', contract('NUL6', { 'calls\u0000': 1 }), 'targets: "calls\\u0000" is not an indicator code'],
    ])('refuses %s, naming the field, and stores nothing', async (_name, kind, body, reason) => {
      const response = await post(kind, body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toContain(reason);
      expect(await eventOf(String(body.id))).toEqual([]);
    });

    it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'])('refuses a key named %s at any level', async (key) => {
      const top = await post('phone_contact', { ...at('proto-1', { effective: true }), [key]: 'x' });
      expect(top).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(top.body)).toBe(`${key}: property ${key} should not exist`);
      const nested = await post('household_archived', at('proto-2', { household: 'h-p', persons: 1, category: 'c', riskLevel: 1, contact: { name: 'n', [key]: 'x' } }));
      expect(reasonOf(nested.body)).toBe(`contact.${key}: property ${key} should not exist`);
      const inArea = await post('station', station('PROTO3', { areas: [{ code: 'A', name: 'a', [key]: 1, communities: [{ code: 'C', name: 'c' }] }] }));
      expect(reasonOf(inArea.body)).toBe(`areas.0.${key}: property ${key} should not exist`);
      expect([...(await eventOf('proto-1')), ...(await eventOf('proto-2')), ...(await eventOf('PROTO3'))]).toEqual([]);
    });

    it('refuses "constructor" as a target code, and keeps the standard codes', async () => {
      const response = await post('contract', contract('PROTO-K', { constructor: 5 }));
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toMatch(/^targets: "constructor" is not an indicator code \(lower_snake_case.*not a name of Object\.prototype/);
      const standard = await post('contract_amended', { id: 'std-codes', contract: '440111-2024-0001', reason: 'r', targets: { phone_contacts: 3000, outreach: 5, groups: 2, resources_linked_yuan: '1.50' } });
      expect(standard.status).toBe(201);
    });

    it.each([
      ['beyond the largest exact integer', 9007199254740993],
      ['written with an exponent', 1e21],
      ['just above the bound', 1_000_001],
    ])('refuses a count %s', async (_name, attendance) => {
      for (const [kind, body, field] of [
        ['group_session', at('big-1', { group: 'g-1', attendance }), 'attendance'],
        ['activity', at('big-2', { size: 'small', title: 't', attendance: 1, partners: attendance }), 'partners'],
        ['household_archived', at('big-3', { household: 'h-big', persons: attendance, category: 'c', riskLevel: 1 }), 'persons'],
        ['outreach', at('big-4', { reached: attendance }), 'reached'],
      ] as const) {
        const response = await post(kind, body);
        expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
        expect(reasonOf(response.body)).toBe(`${field} must not be greater than 1000000`);
      }
    });

    it.each([
      ['effectiveFrom on a station', 'station', station('NULL1', { effectiveFrom: null }), 'effectiveFrom'],
      ['household', 'phone_contact', at('null-2', { effective: true, household: null }), 'household'],
      ['attendance', 'regular_service', at('null-3', { attendance: null }), 'attendance'],
      ['partners', 'activity', at('null-4', { size: 'small', title: 't', attendance: 1, partners: null }), 'partners'],
      ['contact', 'household_archived', at('null-5', { household: 'h-null', persons: 1, category: 'c', riskLevel: 1, contact: null }), 'contact'],
      ['replacement', 'correction', { id: 'null-6', corrects: 'pc-1', action: 'void', reason: 'r', replacement: null }, 'replacement'],
    ])('refuses null for %s: it is to be left out', async (_name, kind, body, field) => {
      const response = await post(kind, body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toBe(`${field} must not be null (leave it out instead)`);
    });

    it.each([
      ['worker', 'phone_contact', at('blank-1', { effective: true, worker: '   ' })],
      ['title', 'group_formed', at('blank-2', { group: 'g-b', title: '\u3000' })],
      ['source', 'resource_linked', at('blank-3', { amountYuan: '1.00', resourceType: 'money', source: ' ' })],
      ['reason', 'correction', { id: 'blank-4', corrects: 'pc-1', action: 'void', reason: '\t' }],
      ['street', 'station', station('BLANK5', { street: '  ' })],
      ['station', 'phone_contact', at('blank-6', { effective: true, station: ' ' })],
    ])('refuses a blank %s', async (field, kind, body) => {
      const response = await post(kind, body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toBe(`${field} must not be blank`);
    });

    it.each([
      ['case', 'case_opened', at('slash-1', { case: 'x/c', household: 'h-1', consentOn: '2024-09-01' })],
      ['household', 'household_reassessed', at('slash-2', { household: 'h/1', riskLevel: 2 })],
      ['group', 'group_formed', at('slash-3', { group: 'g\u0001', title: 't' })],
      ['volunteer', 'volunteer_registered', at('slash-4', { volunteer: 'v/1' })],
      ['team', 'volunteer_team_formed', at('slash-5', { team: 't\u007f' })],
      ['community', 'phone_contact', at('slash-6', { effective: true, community: 'SLQ/x' })],
      ['code', 'station', station('P/x')],
      ['areas.0.communities.0.code', 'station', station('SLASH8', { areas: [{ code: 'A', name: 'a', communities: [{ code: 'C/1', name: 'c' }] }] })],
      ['code', 'contract', contract('K/1', {})],
    ])('refuses "/" or a control character in %s', async (field, kind, body) => {
      const response = await post(kind, body);
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toBe(`${field} must not contain "/" or control characters`);
    });

    it.each([
      ['a fraction for a count indicator', { phone_contacts: '3000.5' }, 'targets.phone_contacts counts: its target must be a whole number from 0 to 1000000000'],
      ['a number for a money indicator', { resources_linked_yuan: 60000 }, 'targets.resources_linked_yuan counts money: its target must be a decimal string'],
      ['an unsafe integer', { district_calls: 9007199254740993 }, 'targets.district_calls must be a whole number from 0 to 1000000000, or money'],
      ['a target above the bound', { phone_contacts: 1_000_000_001 }, 'targets.phone_contacts counts: its target must be a whole number from 0 to 1000000000'],
    ])('refuses a contract target as %s', async (_name, targets, reason) => {
      const response = await post('contract', contract('TGT', targets));
      expect(response).toMatchObject({ status: 400, body: { code: 'invalid_record' } });
      expect(reasonOf(response.body)).toContain(reason);
    });
  });

  describe('corrections', () => {
    it('voids a record with a reason and the actor, keeping the original in the log', async () => {
      await post('phone_contact', at('to-void', { effective: true }));
      const voided = await post('correction', { id: 'void-1', corrects: 'to-void', action: 'void', reason: '重复录入' }, { 'x-actor': 'manager-wang' });
      expect(voided.status).toBe(201);
      const events = await eventOf('void-1');
      expect(events[0]).toMatchObject({
        type: 'RecordCorrected',
        metadata: { actor: 'manager-wang', station: 'SYL', district: '440111' },
        data: { corrects: 'to-void', base: 'to-void', action: 'void', reason: '重复录入', after: null, before: { kind: 'phone_contact', effective: true } },
      });
      expect(events[0]!.stream_id).toBe((await eventOf('to-void'))[0]!.stream_id);
      expect(await eventOf('to-void')).toHaveLength(1);
      const again = await post('correction', { id: 'void-2', corrects: 'to-void', action: 'void', reason: 'again' });
      expect(again).toMatchObject({ status: 422, body: { code: 'record_already_voided' } });
    });

    it('replaces a record by a record of the same kind, carrying before and after', async () => {
      await post('resource_linked', at('to-fix', { amountYuan: '100.00', resourceType: 'money', source: 's' }));
      const replacement = { kind: 'resource_linked', ...at('x', { amountYuan: '1000.00', resourceType: 'money', source: 's', occurredOn: '2024-10-02' }) };
      delete (replacement as { id?: string }).id;
      const fixed = await post('correction', { id: 'fix-1', corrects: 'to-fix', action: 'replace', replacement, reason: '金额录错' });
      expect(fixed.status).toBe(201);
      const [event] = await eventOf('fix-1');
      expect(event!.data).toMatchObject({ before: { amountYuan: '100.00' }, after: { amountYuan: '1000.00', occurredOn: '2024-10-02' } });
    });

    it('corrects a correction: voiding a void restores the record', async () => {
      await post('home_visit', at('restore-me', { entered: true }));
      await post('correction', { id: 'wrong-void', corrects: 'restore-me', action: 'void', reason: '误作废' });
      const undo = await post('correction', { id: 'undo-void', corrects: 'wrong-void', action: 'void', reason: '撤销误作废' });
      expect(undo.status).toBe(201);
      const [event] = await eventOf('undo-void');
      expect(event!.data).toMatchObject({ corrects: 'wrong-void', base: 'restore-me', before: null, after: { kind: 'home_visit', entered: true } });
      const stale = await post('correction', { id: 'stale', corrects: 'wrong-void', action: 'void', reason: 'again' });
      expect(stale).toMatchObject({ status: 422, body: { code: 'correction_superseded' } });
    });

    it('corrects a record of a keyed stream in that stream (a case session)', async () => {
      await post('case_opened', at('co-k', { case: 'case-k', household: 'h', consentOn: '2024-09-01' }));
      await post('case_session', at('cs-k', { case: 'case-k' }));
      const voided = await post('correction', { id: 'void-cs-k', corrects: 'cs-k', action: 'void', reason: '不是个案服务' });
      expect(voided.status).toBe(201);
      expect((await eventOf('void-cs-k'))[0]!.stream_id).toBe('case-SYL/case-k');
    });

    it('refuses a correction without a reason (400), of an unknown record or a setup record (422), or to another kind (422)', async () => {
      expect((await post('correction', { id: 'c-1', corrects: 'pc-1', action: 'void' })).status).toBe(400);
      expect((await post('correction', { id: 'c-2', corrects: 'nothing', action: 'void', reason: 'r' })).body.code).toBe('unknown_record');
      expect((await post('correction', { id: 'c-3', corrects: 'setup-station', action: 'void', reason: 'r' })).body.code).toBe('not_a_service_record');
      // A district record has no station to place the correction by: the rule is said, not "target unknown".
      expect((await post('correction', { id: 'c-3d', corrects: 'setup-district', action: 'void', reason: 'r' })).body.code).toBe('not_a_service_record');
      const replacement = { kind: 'home_visit', ...at('x', { entered: true }) };
      delete (replacement as { id?: string }).id;
      const kindChange = await post('correction', { id: 'c-4', corrects: 'pc-1', action: 'replace', replacement, reason: 'r' });
      expect(kindChange).toMatchObject({ status: 422, body: { code: 'replacement_kind_mismatch' } });
    });

    it('refuses a replacement that is not a valid record, naming the field', async () => {
      const response = await post('correction', {
        id: 'c-5',
        corrects: 'pc-1',
        action: 'replace',
        replacement: { kind: 'phone_contact', station: 'SYL', community: 'SLQ', occurredOn: '2024-09-02', worker: 'w', effective: 'no' },
        reason: 'r',
      });
      expect(response.status).toBe(400);
      expect(String(response.body.message)).toMatch(/replacement\.effective must be a boolean/);
    });
  });

  it('documents each kind\'s endpoint in the OpenAPI document, with its bearer token and its answers', async () => {
    type Operation = { operationId?: string; security?: object[]; responses?: Record<string, unknown> };
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, { post?: Operation }> };
    expect(doc.paths['/api/v1/records/phone_contact']?.post?.operationId).toBe('RecordPhoneContact');
    const caseOpened = doc.paths['/api/v1/records/case_opened']?.post;
    expect(caseOpened?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(caseOpened?.responses ?? {}).sort()).toEqual(['200', '201', '400', '401', '403', '409', '422']);
    expect(doc.paths['/api/v1/records/correction']?.post?.operationId).toBe('CorrectRecord');
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/records/'))).toHaveLength(23);
  });
});
