import { contract, district, placesOf, refusal, station } from './spec-support.js';
import { decideCorrection, decideService, emptyServiceStream, evolveServiceStream, serviceStreamOf, type ServiceStreamState } from './services.js';
import type { RecordingEvent } from './events.js';
import type { CorrectionRecord, ServiceRecord, ServiceRecordBody } from './records.js';

const places = placesOf(district, station, contract);

const base = { station: 'SYL', community: 'SLQ', occurredOn: '2024-09-02', worker: 'w' };
const record = <R extends Record<string, unknown>>(id: string, fields: R) => ({ id, ...base, ...fields }) as unknown as ServiceRecord;

/** Given these records decided in order in one stream: the stream's state. */
function given(...records: (ServiceRecord | CorrectionRecord)[]): ServiceStreamState {
  let state = emptyServiceStream();
  for (const r of records) state = evolveServiceStream(state, decide(r, state).event);
  return state;
}

function decide(r: ServiceRecord | CorrectionRecord, state: ServiceStreamState) {
  if (r.kind !== 'correction') return decideService(r, places, state);
  return decideCorrection(r, places, { id: 'test-stream', type: 'case' }, state);
}


const opened = record('o', { kind: 'case_opened', case: 'c1', household: 'h', consentOn: '2024-09-01' });
const session = record('s1', { kind: 'case_session', case: 'c1', occurredOn: '2024-09-09' });
const closed = record('x', { kind: 'case_closed', case: 'c1', occurredOn: '2024-10-01' });

describe('service decider', () => {
  it('chooses a stream per case, group, household, volunteer and team, and a station-month stream for the rest', () => {
    expect(serviceStreamOf(opened as ServiceRecordBody)).toEqual({ id: 'case-SYL/c1', type: 'case' });
    expect(serviceStreamOf({ kind: 'household_reassessed', ...base, household: 'h9', riskLevel: 2 })).toEqual({ id: 'household-SYL/h9', type: 'household' });
    expect(serviceStreamOf({ kind: 'phone_contact', ...base, effective: true })).toEqual({ id: 'services-SYL-2024-09', type: 'services' });
  });

  it('records a phone contact without a version check, with the district of its station', () => {
    const decision = decideService(record('p', { kind: 'phone_contact', effective: false }), places, emptyServiceStream());
    expect(decision).toEqual({
      stream: { id: 'services-SYL-2024-09', type: 'services' },
      expectedVersion: 'any',
      district: '440111',
      station: 'SYL',
      event: { type: 'PhoneContactRecorded', data: { recordId: 'p', ...base, effective: false } },
    });
  });

  it('opens a case only with consent on or before the opening', () => {
    expect(decideService(opened, places, emptyServiceStream()).event.type).toBe('CaseOpened');
    const late = record('o2', { kind: 'case_opened', case: 'c1', household: 'h', consentOn: '2024-09-03' });
    expect(refusal(() => decideService(late, places, emptyServiceStream())).code).toBe('consent_after_opening');
    expect(refusal(() => decideService({ ...opened, id: 'o3' }, places, given(opened))).code).toBe('case_already_opened');
  });

  it('forms a group and a volunteer team once each', () => {
    const formed = record('g', { kind: 'group_formed', group: 'g1', title: '小组' });
    expect(refusal(() => decideService({ ...formed, id: 'g2' }, places, given(formed)))).toMatchObject({ code: 'group_already_formed', message: 'group "g1" is already formed' });
    const team = record('t', { kind: 'volunteer_team_formed', team: 't1', name: '队' });
    expect(refusal(() => decideService({ ...team, id: 't2' }, places, given(team)))).toMatchObject({
      code: 'team_already_formed',
      message: 'volunteer team "t1" is already formed',
    });
  });

  it('names the stream, the rule and both dates when a record comes without, before or after the record it needs', () => {
    expect(refusal(() => decideService(session, places, emptyServiceStream())).message).toBe('case "c1" has not been opened (接案): sessions and closing need an open case');
    const early = record('s0', { kind: 'case_session', case: 'c1', occurredOn: '2024-08-30' });
    expect(refusal(() => decideService(early, places, given(opened))).message).toBe('case "c1" was opened on 2024-09-02; nothing of it happens on 2024-08-30');
    const core = record('vc', { kind: 'volunteer_core' as const, volunteer: 'v1' });
    expect(refusal(() => decideService(core, places, emptyServiceStream())).message).toBe('volunteer "v1" is not registered: only a registered volunteer becomes core (骨干)');
  });

  it('takes sessions and the closing only while the case is open, at the stream version', () => {
    expect(refusal(() => decideService(session, places, emptyServiceStream())).code).toBe('case_not_open');
    expect(decideService(session, places, given(opened))).toMatchObject({ expectedVersion: 1, event: { type: 'CaseSessionRecorded' } });
    const early = record('s0', { kind: 'case_session', case: 'c1', occurredOn: '2024-08-30' });
    expect(refusal(() => decideService(early, places, given(opened))).code).toBe('before_case_opening');
    const done = given(opened, session, closed);
    expect(refusal(() => decideService({ ...session, id: 's2' }, places, done)).code).toBe('case_not_open');
    expect(refusal(() => decideService({ ...closed, id: 'x2' }, places, done)).code).toBe('case_not_open');
  });

  it('takes group sessions only for a formed group', () => {
    const groupSession = record('gs', { kind: 'group_session', group: 'g', attendance: 9 });
    expect(refusal(() => decideService(groupSession, places, emptyServiceStream())).code).toBe('group_not_formed');
    const formed = given(record('gf', { kind: 'group_formed', group: 'g', title: 't' }));
    expect(decideService(groupSession, places, formed).event.type).toBe('GroupSessionRecorded');
  });

  it('registers a volunteer once and archives a household once; re-assessment needs the archive', () => {
    const volunteer = record('v', { kind: 'volunteer_registered', volunteer: 'v1' });
    expect(refusal(() => decideService({ ...volunteer, id: 'v2' }, places, given(volunteer))).code).toBe('volunteer_already_registered');
    const archived = record('a', { kind: 'household_archived', household: 'h', persons: 3, category: '低保', riskLevel: 3 });
    expect(refusal(() => decideService({ ...archived, id: 'a2' }, places, given(archived))).code).toBe('household_already_archived');
    const reassessed = record('r', { kind: 'household_reassessed', household: 'h', riskLevel: 5 });
    expect(refusal(() => decideService(reassessed, places, emptyServiceStream())).code).toBe('household_not_archived');
    expect(decideService(reassessed, places, given(archived)).event.type).toBe('HouseholdReassessed');
  });

  it('closes a case only on or after its last session, and re-assesses a household only from its archive on', () => {
    const late = record('s9', { kind: 'case_session', case: 'c1', occurredOn: '2024-10-05' });
    expect(refusal(() => decideService({ ...closed, id: 'x9' }, places, given(opened, late))).code).toBe('session_after_closing');
    expect(decideService({ ...closed, id: 'x9', occurredOn: '2024-10-05' }, places, given(opened, late)).event.type).toBe('CaseClosed');
    const archived = record('a', { kind: 'household_archived', household: 'h', persons: 3, category: '低保', riskLevel: 3 });
    const early = record('r', { kind: 'household_reassessed', household: 'h', riskLevel: 5, occurredOn: '2024-09-01' });
    expect(refusal(() => decideService(early, places, given(archived))).code).toBe('before_household_archived');
  });

  it('makes a registered volunteer core once, not before the registration', () => {
    const registered = record('v', { kind: 'volunteer_registered', volunteer: 'v1' });
    const core = record('vc', { kind: 'volunteer_core', volunteer: 'v1' });
    expect(refusal(() => decideService(core, places, emptyServiceStream())).code).toBe('volunteer_not_registered');
    expect(decideService(core, places, given(registered)).event.type).toBe('VolunteerMadeCore');
    expect(refusal(() => decideService({ ...core, id: 'vc2' }, places, given(registered, core))).code).toBe('volunteer_already_core');
    expect(refusal(() => decideService({ ...core, id: 'vc3', occurredOn: '2024-09-01' }, places, given(registered))).code).toBe('before_volunteer_registered');
  });

  it.each([
    ['negative attendance', { kind: 'group_session', group: 'g', attendance: -1 }, 'negative_count'],
    ['fractional attendance', { kind: 'activity', size: 'small', title: 't', attendance: 1.5 }, 'count_not_whole'],
    ['a household of no persons', { kind: 'household_archived', household: 'h', persons: 0, category: 'c', riskLevel: 1 }, 'count_below_minimum'],
    ['a risk level of 6', { kind: 'household_archived', household: 'h', persons: 1, category: 'c', riskLevel: 6 }, 'risk_level_range'],
    ['money with three decimals', { kind: 'resource_linked', amountYuan: '1.005', resourceType: 'money', source: 's' }, 'money_format'],
    ['money as a float', { kind: 'resource_linked', amountYuan: 1.5, resourceType: 'money', source: 's' }, 'money_format'],
    ['negative money', { kind: 'resource_linked', amountYuan: '-1.00', resourceType: 'money', source: 's' }, 'money_format'],
  ])('refuses %s', (_name, fields, code) => {
    const formed = given(record('gf', { kind: 'group_formed', group: 'g', title: 't' }));
    expect(refusal(() => decideService(record('bad', fields), places, formed)).code).toBe(code);
  });
});

describe('correction decider', () => {
  const contact = record('p', { kind: 'phone_contact', effective: true });
  const voiding: CorrectionRecord = { id: 'v1', kind: 'correction', corrects: 'p', action: 'void', reason: '重复' };

  it('voids a record: before is its content, after is null, the original stays', () => {
    const decision = decide(voiding, given(contact));
    expect(decision.event).toEqual({
      type: 'RecordCorrected',
      data: { recordId: 'v1', corrects: 'p', base: 'p', action: 'void', reason: '重复', before: { kind: 'phone_contact', ...base, effective: true }, after: null },
    } satisfies RecordingEvent);
    expect(decision).toMatchObject({ expectedVersion: 1, station: 'SYL', district: '440111' });
    expect(refusal(() => decide({ ...voiding, id: 'v2' }, given(contact, voiding))).code).toBe('record_already_voided');
  });

  it('voiding a correction restores what it changed; only the correction in force may be corrected', () => {
    const undo: CorrectionRecord = { id: 'u', kind: 'correction', corrects: 'v1', action: 'void', reason: '误作废' };
    const restored = decide(undo, given(contact, voiding));
    expect(restored.event.data).toMatchObject({ base: 'p', before: null, after: { kind: 'phone_contact', effective: true } });
    const state = given(contact, voiding, undo);
    expect(state.records.get('p')?.effective).toMatchObject({ kind: 'phone_contact', effective: true });
    expect(refusal(() => decide({ ...undo, id: 'u2' }, state)).code).toBe('correction_superseded');
  });

  it('replaces with a record of the same kind and identity that passes the same rules', () => {
    const replacement = { kind: 'phone_contact', ...base, occurredOn: '2024-10-01', effective: false } as ServiceRecordBody;
    const replace: CorrectionRecord = { id: 'r', kind: 'correction', corrects: 'p', action: 'replace', replacement, reason: '日期' };
    expect(decide(replace, given(contact)).event.data).toMatchObject({ before: { effective: true }, after: { effective: false, occurredOn: '2024-10-01' } });
    const otherKind = { ...replace, replacement: { kind: 'home_visit', ...base, entered: true } as ServiceRecordBody };
    expect(refusal(() => decide(otherKind, given(contact))).code).toBe('replacement_kind_mismatch');
    const outside = { ...replace, replacement: { ...replacement, occurredOn: '2026-01-01' } };
    expect(refusal(() => decide(outside, given(contact))).code).toBe('outside_contract_period');
    const otherCase = { ...replace, corrects: 's1', replacement: { ...session, id: undefined, case: 'c2' } as unknown as ServiceRecordBody };
    expect(refusal(() => decide(otherCase, given(opened, session))).code).toBe('replacement_moves_record');
  });

  it('voiding the opening of a case closes the door to its sessions', () => {
    const state = given(opened, { id: 'vo', kind: 'correction', corrects: 'o', action: 'void', reason: '未签知情同意' });
    expect(refusal(() => decideService(session, places, state)).code).toBe('case_not_open');
  });

  describe('what a correction leaves in force keeps the stream\'s rules', () => {
    const voidOf = (id: string, corrects: string): CorrectionRecord => ({ id, kind: 'correction', corrects, action: 'void', reason: '更正' });
    const replaceOf = (id: string, corrects: string, replacement: ServiceRecord): CorrectionRecord => {
      const { id: _id, ...body } = replacement;
      return { id, kind: 'correction', corrects, action: 'replace', replacement: body as ServiceRecordBody, reason: '更正' };
    };

    it('restoring a registration refuses a second one registered meanwhile', () => {
      const first = record('v1a', { kind: 'volunteer_registered', volunteer: 'V1' });
      const second = record('v1b', { kind: 'volunteer_registered', volunteer: 'V1' });
      const state = given(first, voidOf('x1', 'v1a'), second);
      expect(refusal(() => decide(voidOf('x2', 'x1'), state)).code).toBe('volunteer_already_registered');
    });

    it('restoring a closing refuses it when a session was recorded after it meanwhile', () => {
      const session = record('s6', { kind: 'case_session', case: 'c1', occurredOn: '2024-10-06' });
      const state = given(opened, closed, voidOf('u1', 'x'), session);
      expect(refusal(() => decide(voidOf('u2', 'u1'), state)).code).toBe('session_after_closing');
    });

    it('moves a session within the open period of a closed case, not after its closing or before its opening', () => {
      const state = given(opened, session, closed);
      expect(decide(replaceOf('m1', 's1', { ...session, occurredOn: '2024-09-30' }), state).event.type).toBe('RecordCorrected');
      expect(refusal(() => decide(replaceOf('m2', 's1', { ...session, occurredOn: '2024-10-02' }), state)).code).toBe('case_not_open');
      expect(refusal(() => decide(replaceOf('m3', 's1', { ...session, occurredOn: '2024-08-30' }), state)).code).toBe('before_case_opening');
    });

    it('does not move an opening or a formation after what needs it', () => {
      expect(refusal(() => decide(replaceOf('m4', 'o', { ...opened, occurredOn: '2024-09-10' }), given(opened, session)))).toMatchObject({
        code: 'before_case_opening',
        message: 'case "c1" has a case_session on 2024-09-09, before 2024-09-10',
      });
      const formed = record('gf', { kind: 'group_formed', group: 'g', title: 't' });
      const meeting = record('gs', { kind: 'group_session', group: 'g', attendance: 5, occurredOn: '2024-09-05' });
      expect(refusal(() => decide(replaceOf('m5', 'gf', { ...formed, occurredOn: '2024-09-06' }), given(formed, meeting))).code).toBe('before_group_formed');
    });

    it('does not void what other records of the stream need, until they are voided', () => {
      const formed = record('gf', { kind: 'group_formed', group: 'g', title: 't' });
      const meeting = record('gs', { kind: 'group_session', group: 'g', attendance: 5 });
      expect(refusal(() => decide(voidOf('w1', 'gf'), given(formed, meeting))).code).toBe('record_has_dependents');
      expect(decide(voidOf('w2', 'gf'), given(formed, meeting, voidOf('w0', 'gs'))).event.data).toMatchObject({ after: null });
    });
  });

  it('refuses an unknown record and a correction without a reason', () => {
    expect(refusal(() => decide({ ...voiding, corrects: 'nothing' }, given(contact))).code).toBe('unknown_record');
    expect(refusal(() => decide({ ...voiding, reason: '' }, given(contact))).code).toBe('reason_required');
  });
});
