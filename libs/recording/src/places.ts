/**
 * Places and contracts (区 → 社工站 → 片区 → 社区; 服务协议) as one directory, and the decider for
 * the setup records that build it. The directory is immutable: `evolvePlaces` returns a new one, so
 * a batch can decide against its own view (with its own uncommitted setup events) while others keep
 * reading the shared, committed one.
 *
 * Streams: `district-{code}`, `station-{code}` (registration, then re-drawings), `contract-{code}`
 * (signature, then amendments). Each setup fact is checked against the whole directory (a station
 * needs its district, a contract its station and no overlap with the station's other contracts),
 * which is small and always loaded, so the streams only carry the expected versions.
 */
import { DomainError, compareDates, invariant, isLocalDate, isYuanString, type LocalDate } from '@app/kernel';
import type { AreaSpec, SetupRecord, SetupRecords } from './records.js';
import type { SetupEvent } from './events.js';
import type { Decision } from './decision.js';

export interface DistrictPlace {
  code: string;
  name: string;
  version: number;
}

/** One drawing of a station's areas; `effectiveFrom` null: since registration. */
export interface Drawing {
  effectiveFrom: LocalDate | null;
  areas: AreaSpec[];
  /** community code → area code */
  communities: ReadonlyMap<string, string>;
}

export interface StationPlace {
  code: string;
  name: string;
  district: string;
  street: string;
  operator: string;
  /** In effective order; the one in force on a date is the last starting on or before it. */
  drawings: Drawing[];
  version: number;
}

export interface ContractPlace {
  code: string;
  station: string;
  periodStart: LocalDate;
  periodEnd: LocalDate;
  budgetYuan: string;
  targets: Record<string, number | string>;
  version: number;
}

export interface Places {
  readonly districts: ReadonlyMap<string, DistrictPlace>;
  readonly stations: ReadonlyMap<string, StationPlace>;
  readonly contracts: ReadonlyMap<string, ContractPlace>;
}

export const emptyPlaces = (): Places => ({ districts: new Map(), stations: new Map(), contracts: new Map() });

export const SETUP_EVENT_TYPES = [
  'DistrictRegistered',
  'StationRegistered',
  'StationAreasRedrawn',
  'ContractSigned',
  'ContractTargetsAmended',
] as const satisfies readonly SetupEvent['type'][];

export const districtStream = (code: string) => ({ id: `district-${code}`, type: 'district' });
export const stationStream = (code: string) => ({ id: `station-${code}`, type: 'station' });
export const contractStream = (code: string) => ({ id: `contract-${code}`, type: 'contract' });

function drawing(effectiveFrom: LocalDate | null, areas: AreaSpec[]): Drawing {
  const communities = new Map<string, string>();
  for (const area of areas) for (const community of area.communities) communities.set(community.code, area.code);
  return { effectiveFrom, areas, communities };
}

function withEntry<V>(map: ReadonlyMap<string, V>, key: string, value: V): Map<string, V> {
  return new Map(map).set(key, value);
}

export function evolvePlaces(places: Places, event: SetupEvent): Places {
  switch (event.type) {
    case 'DistrictRegistered': {
      const { code, name } = event.data;
      return { ...places, districts: withEntry(places.districts, code, { code, name, version: 1 }) };
    }
    case 'StationRegistered': {
      const { code, name, district, street, operator, areas } = event.data;
      const station: StationPlace = { code, name, district, street, operator, drawings: [drawing(null, areas)], version: 1 };
      return { ...places, stations: withEntry(places.stations, code, station) };
    }
    case 'StationAreasRedrawn': {
      const station = places.stations.get(event.data.station);
      if (!station) return places;
      const drawings = [...station.drawings, drawing(event.data.effectiveFrom, event.data.areas)];
      return { ...places, stations: withEntry(places.stations, station.code, { ...station, drawings, version: station.version + 1 }) };
    }
    case 'ContractSigned': {
      const { recordId: _recordId, ...contract } = event.data;
      return { ...places, contracts: withEntry(places.contracts, contract.code, { ...contract, version: 1 }) };
    }
    case 'ContractTargetsAmended': {
      const contract = places.contracts.get(event.data.contract);
      if (!contract) return places;
      const amended = { ...contract, targets: { ...contract.targets, ...event.data.targets }, version: contract.version + 1 };
      return { ...places, contracts: withEntry(places.contracts, contract.code, amended) };
    }
  }
}

/** The drawing in force on a date. */
export function drawingOn(station: StationPlace, date: LocalDate): Drawing {
  let current = station.drawings[0]!;
  for (const d of station.drawings) if (d.effectiveFrom === null || compareDates(d.effectiveFrom, date) <= 0) current = d;
  return current;
}

/** Contracts by station, computed once per contracts map (every service record asks). */
const contractsByStation = new WeakMap<ReadonlyMap<string, ContractPlace>, Map<string, ContractPlace[]>>();

export function contractsOf(places: Places, station: string): ContractPlace[] {
  let byStation = contractsByStation.get(places.contracts);
  if (!byStation) {
    byStation = new Map();
    for (const contract of places.contracts.values()) byStation.set(contract.station, [...(byStation.get(contract.station) ?? []), contract]);
    contractsByStation.set(places.contracts, byStation);
  }
  return byStation.get(station) ?? [];
}

/** Codes of the errors a fresher directory may cure: the service reloads places once before giving up. */
export const PLACE_ERROR_CODES: ReadonlySet<string> = new Set([
  'unknown_district',
  'unknown_station',
  'unknown_contract',
  'community_not_in_station',
  'no_contract',
  'outside_contract_period',
]);

export function requireStation(places: Places, code: string): StationPlace {
  const station = places.stations.get(code);
  if (!station) throw invariant('unknown_station', `station "${code}" is not registered (register it with a station record first)`);
  return station;
}

/**
 * A service happens in a community of its station as drawn on the service date, inside one of the
 * station's contract periods (服务协议期). Returns the station's district for the event metadata.
 */
export function checkServicePlace(places: Places, record: { station: string; community: string; occurredOn: LocalDate }): StationPlace {
  const station = requireStation(places, record.station);
  if (!drawingOn(station, record.occurredOn).communities.has(record.community)) {
    throw invariant(
      'community_not_in_station',
      `community "${record.community}" does not belong to station "${record.station}" as drawn on ${record.occurredOn}`,
    );
  }
  const contracts = contractsOf(places, station.code);
  if (contracts.length === 0) {
    throw invariant('no_contract', `station "${station.code}" has no contract (服务协议): services are recorded within a contract period`);
  }
  if (!contracts.some((c) => c.periodStart <= record.occurredOn && record.occurredOn <= c.periodEnd)) {
    const periods = contracts.map((c) => `${c.periodStart}..${c.periodEnd}`).join(', ');
    throw invariant(
      'outside_contract_period',
      `occurredOn ${record.occurredOn} is outside every contract period of station "${station.code}" (${periods})`,
    );
  }
  return station;
}

function checkAreas(areas: AreaSpec[], station: string): void {
  const areaCodes = new Set<string>();
  const communityCodes = new Set<string>();
  for (const area of areas) {
    if (areaCodes.has(area.code)) throw invariant('duplicate_area', `area "${area.code}" appears twice in station "${station}"`);
    areaCodes.add(area.code);
    for (const community of area.communities) {
      if (communityCodes.has(community.code)) {
        throw invariant('duplicate_community', `community "${community.code}" appears twice in station "${station}": a community belongs to one area`);
      }
      communityCodes.add(community.code);
    }
  }
  if (communityCodes.size === 0) throw invariant('station_without_communities', `station "${station}" needs at least one community`);
}

function checkTargets(targets: Record<string, number | string>): void {
  for (const [code, value] of Object.entries(targets)) {
    const ok = typeof value === 'number' ? Number.isSafeInteger(value) && value >= 0 : isYuanString(value);
    if (!ok) {
      throw invariant(
        'bad_target',
        `target ${code} must be a non-negative whole number, or a money amount as a decimal string with at most two decimals`,
      );
    }
  }
}

function decideDistrict(record: SetupRecords['district'], places: Places): Decision {
  if (places.districts.has(record.code)) throw invariant('district_already_registered', `district ${record.code} is already registered`);
  return {
    stream: districtStream(record.code),
    expectedVersion: 0,
    district: record.code,
    event: { type: 'DistrictRegistered', data: { recordId: record.id, code: record.code, name: record.name } },
  };
}

/**
 * A station is registered once. A station record for a registered station with `effectiveFrom`
 * re-draws its areas from that date (a new contract year): records before it keep their places.
 */
function decideStation(record: SetupRecords['station'], places: Places): Decision {
  if (!places.districts.has(record.district)) {
    throw invariant('unknown_district', `district "${record.district}" is not registered (register it with a district record first)`);
  }
  checkAreas(record.areas, record.code);
  const existing = places.stations.get(record.code);
  const stream = stationStream(record.code);
  if (!existing) {
    const { id, kind: _kind, effectiveFrom: _from, ...station } = record;
    return { stream, expectedVersion: 0, district: record.district, station: record.code, event: { type: 'StationRegistered', data: { recordId: id, ...station } } };
  }
  if (record.effectiveFrom === undefined) {
    throw invariant(
      'station_already_registered',
      `station "${record.code}" is already registered; to re-draw its areas for a new contract year, send it with effectiveFrom`,
    );
  }
  if (existing.district !== record.district) {
    throw invariant('station_district_changed', `station "${record.code}" belongs to district ${existing.district}, not ${record.district}`);
  }
  const latest = existing.drawings.at(-1)!.effectiveFrom;
  if (latest !== null && compareDates(record.effectiveFrom, latest) <= 0) {
    throw invariant('redraw_not_after_previous', `a re-drawing must take effect after the previous one (${latest}), not on ${record.effectiveFrom}`);
  }
  return {
    stream,
    expectedVersion: existing.version,
    district: existing.district,
    station: record.code,
    event: { type: 'StationAreasRedrawn', data: { recordId: record.id, station: record.code, effectiveFrom: record.effectiveFrom, areas: record.areas } },
  };
}

function decideContract(record: SetupRecords['contract'], places: Places): Decision {
  const station = requireStation(places, record.station);
  if (places.contracts.has(record.code)) throw invariant('contract_already_signed', `contract ${record.code} is already signed`);
  if (!isLocalDate(record.periodStart) || !isLocalDate(record.periodEnd) || compareDates(record.periodStart, record.periodEnd) > 0) {
    throw invariant('contract_period_reversed', `contract period ${record.periodStart}..${record.periodEnd} must start on or before its end`);
  }
  if (!isYuanString(record.budgetYuan)) throw invariant('money_format', 'budgetYuan must be a decimal string with at most two decimals');
  checkTargets(record.targets);
  const overlap = contractsOf(places, station.code).find((c) => c.periodStart <= record.periodEnd && record.periodStart <= c.periodEnd);
  if (overlap) {
    throw invariant(
      'contract_periods_overlap',
      `station "${station.code}" already has contract ${overlap.code} for ${overlap.periodStart}..${overlap.periodEnd}: one contract at a time`,
    );
  }
  const { id, kind: _kind, ...contract } = record;
  return {
    stream: contractStream(record.code),
    expectedVersion: 0,
    district: station.district,
    station: station.code,
    event: { type: 'ContractSigned', data: { recordId: id, ...contract } },
  };
}

function decideAmendment(record: SetupRecords['contract_amended'], places: Places): Decision {
  const contract = places.contracts.get(record.contract);
  if (!contract) throw invariant('unknown_contract', `contract "${record.contract}" is not signed (send the contract record first)`);
  if (!record.reason?.trim()) throw invariant('reason_required', 'an amendment of targets needs a reason');
  if (Object.keys(record.targets).length === 0) throw invariant('empty_amendment', 'an amendment changes at least one target');
  checkTargets(record.targets);
  const station = places.stations.get(contract.station);
  return {
    stream: contractStream(contract.code),
    expectedVersion: contract.version,
    district: station?.district,
    station: contract.station,
    event: {
      type: 'ContractTargetsAmended',
      data: { recordId: record.id, contract: contract.code, station: contract.station, targets: record.targets, reason: record.reason },
    },
  };
}

export function decideSetup(record: SetupRecord, places: Places): Decision {
  switch (record.kind) {
    case 'district':
      return decideDistrict(record, places);
    case 'station':
      return decideStation(record, places);
    case 'contract':
      return decideContract(record, places);
    case 'contract_amended':
      return decideAmendment(record, places);
  }
}

export const isPlaceError = (error: unknown): boolean => error instanceof DomainError && PLACE_ERROR_CODES.has(error.code);
