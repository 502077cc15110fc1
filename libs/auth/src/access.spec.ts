import type { Caller } from './caller.js';
import { cycleDecision, decide, partyScoreDecision, placeDecision, placeOfScopeParameter } from './access.js';
import { canRecord } from './records.js';
import { PlaceMap } from './places.js';
import type { Role } from './roles.js';
import type { Scope } from './scope.js';

// Tianhe 440106 has the Yuangang station (two areas); Baiyun 440111 has Sanyuanli.
const places = new PlaceMap();
places.stationRegistered('YG', '440106', [
  { code: 'YG-1', communities: [{ code: 'c-a' }] },
  { code: 'YG-2', communities: [{ code: 'c-b' }] },
]);
places.stationRegistered('SYL', '440111', [{ code: 'SYL-1', communities: [{ code: 'c-s' }] }]);

const caller = (role: Role, scope: Scope = {}): Caller => ({ id: `${role}-1`, role, scope });
const allowed = (decision: { allowed: boolean }) => decision.allowed;

const admin = caller('city_admin');
const bureau = caller('district_bureau', { districts: ['440106'] });
const street = caller('street_office', { stations: ['YG'] });
const manager = caller('station_manager', { stations: ['YG'] });
const worker = caller('social_worker', { stations: ['YG'] });
const areaWorker = caller('social_worker', { stations: ['YG'], areas: ['YG-1'] });
const evaluator = caller('evaluator', { cycles: ['cy-1'] });
const supervision = caller('supervision_centre', { stations: ['YG', 'X'] });
const analyst = caller('analyst');
const districtAnalyst = caller('analyst', { districts: ['440111'] });

describe('place scope', () => {
  it.each([
    [admin, { district: '440111' }, true],
    [bureau, { district: '440106' }, true],
    [bureau, { station: 'YG' }, true],
    [bureau, { district: '440111' }, false],
    [bureau, { station: 'SYL' }, false],
    [bureau, { station: 'NOWHERE' }, false],
    [street, { station: 'YG' }, true],
    [street, { station: 'SYL' }, false],
    [street, { district: '440106' }, false],
    [worker, { station: 'YG', community: 'c-b' }, true],
    [areaWorker, { station: 'YG', community: 'c-a' }, true],
    [areaWorker, { station: 'YG', community: 'c-b' }, false],
    [areaWorker, { station: 'YG' }, false],
    [supervision, { station: 'YG' }, true],
    [supervision, { station: 'SYL' }, false],
    [evaluator, { station: 'YG' }, false],
    [analyst, {}, true],
    [districtAnalyst, { station: 'SYL' }, true],
    [districtAnalyst, { station: 'YG' }, false],
    [bureau, {}, false],
  ])('%o at %o: %s', (who, place, expected) => {
    expect(allowed(placeDecision(who, place, places))).toBe(expected);
  });

  it('checks the role before the place: an analyst never reads records, even city-wide', () => {
    expect(decide(analyst, 'records:read', { station: 'YG' }, places)).toMatchObject({ allowed: false, code: 'role_not_allowed' });
    expect(allowed(decide(analyst, 'indicators:read', { station: 'YG' }, places))).toBe(true);
    expect(allowed(decide(bureau, 'personal:read', { station: 'YG' }, places))).toBe(false);
    expect(allowed(decide(manager, 'personal:read', { station: 'YG' }, places))).toBe(true);
  });

  it('lets an evaluator reach only its assigned cycles and the other parties the cycles of their stations', () => {
    const cycle = { id: 'cy-1', station: 'YG' };
    const other = { id: 'cy-2', station: 'SYL' };
    expect(allowed(cycleDecision(evaluator, 'evaluation:expert_score', cycle, places))).toBe(true);
    expect(allowed(cycleDecision(evaluator, 'evaluation:expert_score', { id: 'cy-2', station: 'YG' }, places))).toBe(false);
    expect(allowed(cycleDecision(evaluator, 'evaluation:score', cycle, places))).toBe(false);
    expect(allowed(cycleDecision(bureau, 'evaluation:read', { id: 'cy-3', station: 'UNKNOWN', district: '440106' }, places))).toBe(true);
    expect(allowed(cycleDecision(bureau, 'evaluation:score', cycle, places))).toBe(true);
    expect(allowed(cycleDecision(bureau, 'evaluation:score', other, places))).toBe(false);
    expect(allowed(cycleDecision(worker, 'evaluation:read', cycle, places))).toBe(false);
  });
});

describe('partyScoreDecision', () => {
  it('lets each scoring party score as itself only, and the city as any party', () => {
    expect(allowed(partyScoreDecision(street, 'street_office'))).toBe(true);
    expect(allowed(partyScoreDecision(supervision, 'supervision_centre'))).toBe(true);
    expect(allowed(partyScoreDecision(bureau, 'district_bureau'))).toBe(true);
    expect(allowed(partyScoreDecision(admin, 'supervision_centre'))).toBe(true);
    expect(partyScoreDecision(street, 'district_bureau')).toEqual({ allowed: false, code: 'role_not_allowed', reason: 'a street_office scores only as itself, not as district_bureau' });
    expect(allowed(partyScoreDecision(bureau, 'street_office'))).toBe(false);
  });
});

describe('canRecord (commands and import lines)', () => {
  const service = { kind: 'phone_contact', station: 'YG', community: 'c-a' };

  it('lets station staff record in their station (and area) only', () => {
    expect(allowed(canRecord(worker, service, places))).toBe(true);
    expect(allowed(canRecord(areaWorker, service, places))).toBe(true);
    expect(allowed(canRecord(areaWorker, { ...service, community: 'c-b' }, places))).toBe(false);
    expect(allowed(canRecord(manager, { ...service, station: 'SYL', community: 'c-s' }, places))).toBe(false);
  });

  it('keeps supervisors and analysts from recording services', () => {
    for (const who of [bureau, street, supervision, analyst, evaluator]) expect(canRecord(who, service, places)).toMatchObject({ allowed: false, code: 'role_not_allowed' });
  });

  it('lets only the city register districts and a bureau register stations of its own district', () => {
    expect(allowed(canRecord(admin, { kind: 'district' }, places))).toBe(true);
    expect(allowed(canRecord(bureau, { kind: 'district' }, places))).toBe(false);
    expect(allowed(canRecord(bureau, { kind: 'station', district: '440106' }, places))).toBe(true);
    expect(allowed(canRecord(bureau, { kind: 'station', district: '440111' }, places))).toBe(false);
    expect(allowed(canRecord(street, { kind: 'station', district: '440106' }, places))).toBe(false);
    expect(allowed(canRecord(street, { kind: 'contract', station: 'YG' }, places))).toBe(true);
    expect(allowed(canRecord(street, { kind: 'contract', station: 'SYL' }, places))).toBe(false);
  });

  it('places corrections and amendments where their target lives, and refuses moving a record out of scope', () => {
    expect(canRecord(worker, { kind: 'correction' }, places)).toMatchObject({ allowed: false, code: 'target_unknown' });
    expect(allowed(canRecord(worker, { kind: 'correction' }, places, { station: 'YG', community: 'c-a' }))).toBe(true);
    expect(allowed(canRecord(worker, { kind: 'correction' }, places, { station: 'SYL' }))).toBe(false);
    expect(allowed(canRecord(worker, { kind: 'correction', replacement: { station: 'SYL', community: 'c-s' } }, places, { station: 'YG' }))).toBe(false);
    expect(allowed(canRecord(street, { kind: 'contract_amended' }, places, { station: 'YG' }))).toBe(true);
  });

  it('follows a redrawing of the areas', () => {
    const map = new PlaceMap();
    map.apply({ type: 'StationRegistered', data: { code: 'YG', district: '440106', areas: [{ code: 'YG-1', communities: [{ code: 'c-a' }] }] } });
    map.apply({ type: 'StationAreasRedrawn', data: { station: 'YG', areas: [{ code: 'YG-2', communities: [{ code: 'c-a' }] }] } });
    expect(allowed(canRecord(areaWorker, service, map))).toBe(false);
  });
});

describe('placeOfScopeParameter', () => {
  it.each([
    ['city', {}],
    ['district:440111', { district: '440111' }],
    ['station:SYL', { station: 'SYL' }],
    ['area:SYL/SYL-1', { station: 'SYL', area: 'SYL-1' }],
    ['community:YG/c-a', { station: 'YG', community: 'c-a' }],
    ['area:SYL', undefined],
    ['town:1', undefined],
  ])('reads %s as %o', (text, place) => {
    expect(placeOfScopeParameter(text)).toEqual(place);
  });
});
