import type { ServiceRecordBody } from '@app/recording';
import { STANDARD_INDICATORS, type IndicatorDefinition } from './definitions.js';
import { DistinctState, distinctKeysOf, projectEvent } from './projection.js';

const at = { station: 'S', community: 'c1', occurredOn: '2024-06-01', worker: 'w' };
const defs = (...codes: string[]) => STANDARD_INDICATORS.filter((d) => codes.includes(d.code));
const phone = (effective: boolean, place = at): ServiceRecordBody => ({ kind: 'phone_contact', ...place, effective, household: 'h' });
const money = (amountYuan: string): ServiceRecordBody => ({ kind: 'resource_linked', ...at, amountYuan, resourceType: 'money', source: 'x' });
const archived = (household: string, occurredOn: string, community = 'c1'): ServiceRecordBody => ({
  kind: 'household_archived', ...at, community, occurredOn, household, persons: 3, category: '低保', riskLevel: 2,
});
const recorded = (recordId: string, body: ServiceRecordBody) => {
  const { kind, ...fields } = body;
  const type = { phone_contact: 'PhoneContactRecorded', resource_linked: 'ResourceLinked', household_archived: 'HouseholdArchived' }[kind as string]!;
  return { type, data: { recordId, ...fields } };
};
const corrected = (recordId: string, base: string, before: ServiceRecordBody | null, after: ServiceRecordBody | null, reason = 'why') => ({
  type: 'RecordCorrected',
  data: { recordId, corrects: base, base, action: after ? 'replace' : 'void', reason, before, after },
});
const deltas = (changes: { code: string; community: string; occurredOn: string; delta: bigint }[]) =>
  changes.map((c) => [c.code, c.community, c.occurredOn, c.delta]);

describe('projectEvent', () => {
  it('counts a service record that matches the filter and ignores one that does not', () => {
    const state = new DistinctState();
    expect(deltas(projectEvent(recorded('r1', phone(true)), defs('phone_contacts'), state))).toEqual([['phone_contacts', 'c1', '2024-06-01', 1n]]);
    expect(projectEvent(recorded('r2', phone(false)), defs('phone_contacts'), state)).toEqual([]);
  });

  it('sums money exactly in fen', () => {
    const [change] = projectEvent(recorded('m', money('523106.71')), defs('resources_linked_yuan'), new DistinctState());
    expect(change).toMatchObject({ delta: 52310671n, recordId: 'm' });
  });

  it('takes a voided record away, naming the correction and its reason', () => {
    const changes = projectEvent(corrected('x', 'r1', phone(true), null, '重复录入'), defs('phone_contacts'), new DistinctState());
    expect(changes).toEqual([{ code: 'phone_contacts', station: 'S', community: 'c1', occurredOn: '2024-06-01', delta: -1n, recordId: 'x', reason: '重复录入' }]);
  });

  it('applies a replacement in place as the difference, and as a move when the place or day changes', () => {
    expect(deltas(projectEvent(corrected('x', 'm', money('10.01'), money('20.02')), defs('resources_linked_yuan'), new DistinctState()))).toEqual([
      ['resources_linked_yuan', 'c1', '2024-06-01', 1001n],
    ]);
    const moved = phone(true, { ...at, community: 'c2', occurredOn: '2024-07-01' });
    expect(deltas(projectEvent(corrected('x', 'r1', phone(true), moved), defs('phone_contacts'), new DistinctState()))).toEqual([
      ['phone_contacts', 'c1', '2024-06-01', -1n],
      ['phone_contacts', 'c2', '2024-07-01', 1n],
    ]);
  });

  it('emits nothing for a replacement that changes nothing counted', () => {
    expect(projectEvent(corrected('x', 'r1', phone(false), phone(false)), defs('phone_contacts'), new DistinctState())).toEqual([]);
  });

  it('counts a distinct value once per station, at its earliest record, and moves it when that record is voided', () => {
    const state = new DistinctState();
    const d = defs('households_archived');
    expect(deltas(projectEvent(recorded('a', archived('h1', '2024-06-10')), d, state))).toEqual([['households_archived', 'c1', '2024-06-10', 1n]]);
    // A later record of the same household adds nothing.
    expect(projectEvent(recorded('b', archived('h1', '2024-08-01', 'c2')), d, state)).toEqual([]);
    // An earlier one moves the count to its day.
    expect(deltas(projectEvent(recorded('c', archived('h1', '2024-05-01', 'c3')), d, state))).toEqual([
      ['households_archived', 'c1', '2024-06-10', -1n],
      ['households_archived', 'c3', '2024-05-01', 1n],
    ]);
    expect(deltas(projectEvent(corrected('x', 'c', archived('h1', '2024-05-01', 'c3'), null), d, state))).toEqual([
      ['households_archived', 'c3', '2024-05-01', -1n],
      ['households_archived', 'c1', '2024-06-10', 1n],
    ]);
    const key = DistinctState.key('households_archived', 'S', 'h1');
    expect(state.takeChanges()).toEqual([
      { key, recordId: 'a', occurrence: { community: 'c1', occurredOn: '2024-06-10' } },
      { key, recordId: 'b', occurrence: { community: 'c2', occurredOn: '2024-08-01' } },
      { key, recordId: 'c', occurrence: undefined },
    ]);
    expect(state.takeChanges()).toEqual([]);
  });

  it('names the distinct keys a batch needs loaded', () => {
    expect(distinctKeysOf(corrected('x', 'a', archived('h1', '2024-06-10'), archived('h2', '2024-06-10')), defs('households_archived', 'persons_archived'))).toEqual([
      DistinctState.key('households_archived', 'S', 'h1'),
      DistinctState.key('households_archived', 'S', 'h2'),
    ]);
  });

  it('ignores events that record no service', () => {
    expect(projectEvent({ type: 'StationRegistered', data: {} }, STANDARD_INDICATORS, new DistinctState())).toEqual([]);
  });

  it('evaluates an administrator-defined filter with a list of values', () => {
    const anyContact: IndicatorDefinition = { code: 'contacts', name: '联系', unit: '个', kind: 'phone_contact', filter: { effective: [true, false] }, measure: { type: 'count' } };
    expect(projectEvent(recorded('r', phone(false)), [anyContact], new DistinctState())).toHaveLength(1);
  });
});
