import { contract, district, placesOf, refusal, station } from './spec-support.js';
import { checkServicePlace, decideSetup, emptyPlaces, evolvePlaces } from './places.js';
import type { SetupEvent } from './events.js';
import type { SetupRecord } from './records.js';

/** Given the records' events applied in order. */
const given = placesOf;

describe('setup decider', () => {
  it('registers a district, then a station in it, then a contract of the station', () => {
    expect(decideSetup(district, emptyPlaces())).toMatchObject({
      stream: { id: 'district-440111' },
      expectedVersion: 0,
      event: { type: 'DistrictRegistered', data: { recordId: 'd', code: '440111', name: '白云区' } },
    });
    expect(decideSetup(station, given(district))).toMatchObject({
      stream: { id: 'station-SYL' },
      district: '440111',
      event: { type: 'StationRegistered', data: { recordId: 's', code: 'SYL', areas: station.areas } },
    });
    expect(decideSetup(contract, given(district, station))).toMatchObject({
      stream: { id: 'contract-K1' },
      station: 'SYL',
      event: { type: 'ContractSigned', data: { recordId: 'k', budgetYuan: '2400000.00', targets: { phone_contacts: 3000 } } },
    });
  });

  it('refuses a station in an unknown district and a contract of an unknown station', () => {
    expect(refusal(() => decideSetup(station, emptyPlaces())).code).toBe('unknown_district');
    expect(refusal(() => decideSetup(contract, given(district))).code).toBe('unknown_station');
  });

  it('refuses a community listed twice in one station', () => {
    const twice = { ...station, areas: [...station.areas, { code: 'A9', name: 'x', communities: [{ code: 'DY', name: '东约' }] }] };
    expect(refusal(() => decideSetup(twice, given(district))).code).toBe('duplicate_community');
  });

  it('refuses a second registration, and re-draws with effectiveFrom at the next stream version', () => {
    const places = given(district, station);
    expect(refusal(() => decideSetup({ ...station, id: 's2' }, places)).code).toBe('station_already_registered');
    const redraw = decideSetup({ ...station, id: 's3', effectiveFrom: '2025-05-24', areas: [station.areas[0]!] }, places);
    expect(redraw).toMatchObject({
      expectedVersion: 1,
      event: { type: 'StationAreasRedrawn', data: { station: 'SYL', effectiveFrom: '2025-05-24', areas: [station.areas[0]] } },
    });
  });

  it('checks a community against the drawing in force on the service date', () => {
    const redrawn = given(district, station, contract, { ...contract, id: 'k2', code: 'K2', periodStart: '2025-05-24', periodEnd: '2026-05-23' }, {
      ...station,
      id: 's3',
      effectiveFrom: '2025-05-24',
      areas: [station.areas[0]!],
    });
    expect(() => checkServicePlace(redrawn, { station: 'SYL', community: 'DY', occurredOn: '2025-05-23' })).not.toThrow();
    expect(refusal(() => checkServicePlace(redrawn, { station: 'SYL', community: 'DY', occurredOn: '2025-05-24' })).code).toBe(
      'community_not_in_station',
    );
  });

  it('refuses a re-drawing that does not come after the previous one', () => {
    const places = given(district, station, { ...station, id: 's3', effectiveFrom: '2025-05-24' });
    expect(refusal(() => decideSetup({ ...station, id: 's4', effectiveFrom: '2025-05-24' }, places)).code).toBe('redraw_not_after_previous');
  });

  it('refuses a reversed period, overlapping contracts and malformed targets', () => {
    const places = given(district, station, contract);
    expect(refusal(() => decideSetup({ ...contract, id: 'x', code: 'K9', periodStart: '2026-01-01', periodEnd: '2025-12-31' }, places)).code).toBe(
      'contract_period_reversed',
    );
    expect(refusal(() => decideSetup({ ...contract, id: 'x', code: 'K9', periodStart: '2025-05-23', periodEnd: '2026-05-22' }, places)).code).toBe(
      'contract_periods_overlap',
    );
    expect(refusal(() => decideSetup({ ...contract, id: 'x', code: 'K9', periodStart: '2026-01-01', periodEnd: '2026-12-31', targets: { phone_contacts: 1.5 } }, places)).code).toBe(
      'bad_target',
    );
  });

  it('amends targets of a signed contract with a reason, merging them into the contract', () => {
    const places = given(district, station, contract);
    const amendment: SetupRecord = { id: 'a', kind: 'contract_amended', contract: 'K1', targets: { home_visits: 1000 }, reason: '补充指标' };
    const decision = decideSetup(amendment, places);
    expect(decision).toMatchObject({ stream: { id: 'contract-K1' }, expectedVersion: 1, event: { type: 'ContractTargetsAmended' } });
    expect(evolvePlaces(places, decision.event as SetupEvent).contracts.get('K1')!.targets).toEqual({ phone_contacts: 3000, home_visits: 1000 });
    expect(refusal(() => decideSetup({ ...amendment, reason: ' ' }, places)).code).toBe('reason_required');
    expect(refusal(() => decideSetup({ ...amendment, contract: 'K0' }, places)).code).toBe('unknown_contract');
  });

  it('requires services inside a contract period of their station', () => {
    expect(refusal(() => checkServicePlace(given(district, station), { station: 'SYL', community: 'DY', occurredOn: '2024-06-01' })).code).toBe(
      'no_contract',
    );
    const places = given(district, station, contract);
    expect(refusal(() => checkServicePlace(places, { station: 'SYL', community: 'DY', occurredOn: '2025-05-24' })).code).toBe(
      'outside_contract_period',
    );
    expect(checkServicePlace(places, { station: 'SYL', community: 'DY', occurredOn: '2025-05-23' }).district).toBe('440111');
    expect(refusal(() => checkServicePlace(places, { station: 'NOPE', community: 'DY', occurredOn: '2025-05-23' })).code).toBe('unknown_station');
  });
});
