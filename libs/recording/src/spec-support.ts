import { DomainError } from '@app/kernel';
import { decideSetup, emptyPlaces, evolvePlaces, type Places } from './places.js';
import type { SetupEvent } from './events.js';
import type { SetupRecord, SetupRecords } from './records.js';

/** 白云区, 三元里 with two areas, one contract year: the places the decider specs start from. */
export const district: SetupRecords['district'] = { id: 'd', kind: 'district', code: '440111', name: '白云区' };
export const station: SetupRecords['station'] = {
  id: 's',
  kind: 'station',
  code: 'SYL',
  name: '三元里',
  district: '440111',
  street: '三元里街',
  operator: '穗星',
  areas: [
    { code: 'A1', name: '一片区', communities: [{ code: 'SLQ', name: '石榴桥' }] },
    { code: 'A3', name: '三片区', communities: [{ code: 'DY', name: '东约' }] },
  ],
};
export const contract: SetupRecords['contract'] = {
  id: 'k',
  kind: 'contract',
  code: 'K1',
  station: 'SYL',
  periodStart: '2024-05-24',
  periodEnd: '2025-05-23',
  budgetYuan: '2400000.00',
  targets: { phone_contacts: 3000 },
};

/** The places these setup records build, each decided against the ones before. */
export function placesOf(...records: SetupRecord[]): Places {
  return records.reduce((places, record) => evolvePlaces(places, decideSetup(record, places).event as SetupEvent), emptyPlaces());
}

/** The DomainError a decision throws (specs assert on its code); fails when nothing is thrown. */
export function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
