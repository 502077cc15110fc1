import type { Caller } from './caller.js';
import { decide, type Decision, type PlaceDirectory } from './access.js';

/** The fields of an import line or command that decide who may record it (RECORDS.md names). */
export interface RecordLike {
  kind: string;
  station?: string;
  community?: string;
  district?: string;
  replacement?: { station?: string; community?: string };
}

/**
 * Where the record a `contract_amended` or `correction` line points at lives: those lines name a
 * contract or a record, not a place, so the caller of `canRecord` passes what it loaded.
 */
export interface RecordTarget {
  station?: string;
  community?: string;
  /** The station's district as the recording side knows it (a station registered in the same batch). */
  district?: string;
}

const SETUP_ROLES: Record<string, readonly string[]> = {
  district: ['city_admin'],
  station: ['city_admin', 'district_bureau'],
};

/**
 * Whether the caller may record this line or command: its role and the place it is about. Used
 * for every HTTP command and every import line (a refused line is reported by its number).
 */
export function canRecord(caller: Caller, record: RecordLike, places: PlaceDirectory, target?: RecordTarget): Decision {
  switch (record.kind) {
    case 'district':
    case 'station': {
      const roles = SETUP_ROLES[record.kind];
      if (!roles.includes(caller.role)) return { allowed: false, code: 'role_not_allowed', reason: `a ${caller.role} may not register a ${record.kind}` };
      return decide(caller, 'setup:write', record.kind === 'station' ? { district: record.district } : undefined, places);
    }
    case 'contract':
      return decide(caller, 'setup:write', { station: record.station, district: target?.district }, places);
    case 'contract_amended':
      return target?.station ? decide(caller, 'setup:write', { ...target }, places) : unknownTarget(record.kind);
    case 'correction': {
      if (!target?.station) return unknownTarget(record.kind);
      const original = decide(caller, 'records:write', { ...target }, places);
      const moved = record.replacement;
      if (!original.allowed || !moved?.station) return original;
      return decide(caller, 'records:write', { station: moved.station, community: moved.community }, places);
    }
    default:
      return decide(caller, 'records:write', { station: record.station, community: record.community, district: target?.district }, places);
  }
}

const unknownTarget = (kind: string): Decision => ({
  allowed: false,
  code: 'target_unknown',
  reason: `a ${kind} applies to a record that was not found, so its place is unknown`,
});
