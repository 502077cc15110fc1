import { forbidden } from '@app/kernel';
import type { Caller } from './caller.js';
import { hasPermission, type Permission } from './roles.js';

/**
 * Station → district and community → area, as registered by events (StationRegistered,
 * StationAreasRedrawn). Synchronous so that a million import lines are checked without a round trip
 * each; the platform keeps it current.
 */
export interface PlaceDirectory {
  districtOf(station: string): string | undefined;
  /** The area (片区) a community belongs to now; areas are re-drawn between contract years. */
  areaOf(station: string, community: string): string | undefined;
}

/** A place a command, query or record is about; the finest level given decides. */
export interface Place {
  district?: string;
  station?: string;
  area?: string;
  community?: string;
}

export type Decision = { allowed: true } | { allowed: false; code: string; reason: string };

const ALLOWED: Decision = { allowed: true };
const deny = (code: string, reason: string): Decision => ({ allowed: false, code, reason });

const STATION_ROLES = new Set(['street_office', 'station_manager', 'social_worker', 'supervision_centre']);

/** Whether the caller's scope covers the place (the role's permissions are checked apart). */
export function placeDecision(caller: Caller, place: Place, places: PlaceDirectory): Decision {
  const { role, scope } = caller;
  if (role === 'city_admin') return ALLOWED;
  if (role === 'analyst' && !scope.districts) return ALLOWED;
  if (role === 'evaluator') return deny('out_of_scope', 'an evaluator sees only the cycles it is assigned to');
  if (!place.district && !place.station) return deny('out_of_scope', `a ${role} cannot act on the whole city`);

  if (role === 'district_bureau' || role === 'analyst') {
    // A registered station's district wins over any district named beside it.
    const district = (place.station && places.districtOf(place.station)) || place.district;
    if (!district) return deny('station_unknown', `station ${place.station} is not registered`);
    return scope.districts?.includes(district) ? ALLOWED : deny('out_of_scope', `district ${district} is outside the caller's scope`);
  }

  if (STATION_ROLES.has(role)) {
    if (!place.station) return deny('out_of_scope', `a ${role} acts on its stations, not on a whole district`);
    if (!scope.stations?.includes(place.station)) return deny('out_of_scope', `station ${place.station} is outside the caller's scope`);
    if (!scope.areas) return ALLOWED;
    const area = place.area ?? (place.community ? places.areaOf(place.station, place.community) : undefined);
    if (!area) return deny('out_of_scope', 'a worker limited to areas must name a community or area of them');
    return scope.areas.includes(area) ? ALLOWED : deny('out_of_scope', `area ${area} is outside the caller's scope`);
  }
  return deny('out_of_scope', `no place rule for ${role}`);
}

export function permissionDecision(caller: Caller, permission: Permission): Decision {
  return hasPermission(caller.role, permission) ? ALLOWED : deny('role_not_allowed', `a ${caller.role} may not ${permission}`);
}

/** Role first, then place: the first refusal wins. */
export function decide(caller: Caller, permission: Permission, place: Place | undefined, places: PlaceDirectory): Decision {
  const byRole = permissionDecision(caller, permission);
  if (!byRole.allowed || !place) return byRole;
  return placeDecision(caller, place, places);
}

/** Throws the 403 DomainError for a refusal. */
export function enforce(decision: Decision): void {
  if (!decision.allowed) throw forbidden(decision.code, decision.reason);
}

export function authorize(caller: Caller, permission: Permission, place: Place | undefined, places: PlaceDirectory): void {
  enforce(decide(caller, permission, place, places));
}

/** An evaluation cycle as far as access goes: its id and the station it evaluates. */
export interface CycleRef {
  id: string;
  station: string;
  district?: string;
}

/** Evaluators reach their assigned cycles; the other parties reach cycles of stations in their scope. */
export function cycleDecision(caller: Caller, permission: Permission, cycle: CycleRef, places: PlaceDirectory): Decision {
  const byRole = permissionDecision(caller, permission);
  if (!byRole.allowed) return byRole;
  if (caller.role === 'evaluator') {
    return caller.scope.cycles?.includes(cycle.id) ? ALLOWED : deny('out_of_scope', `cycle ${cycle.id} is not assigned to the caller`);
  }
  return placeDecision(caller, { station: cycle.station, district: cycle.district }, places);
}

/**
 * A party scores a cycle only as itself: a street office its 购买方 share, not the bureau's. The
 * city administrator may enter any party's score (on its behalf).
 */
export function partyScoreDecision(caller: Caller, party: string): Decision {
  if (caller.role === 'city_admin' || party === caller.role) return ALLOWED;
  return deny('role_not_allowed', `a ${caller.role} scores only as itself, not as ${party}`);
}

/**
 * The place of a query's `scope` parameter (`city`, `district:CODE`, `station:CODE`,
 * `area:STATION/AREA`, `community:STATION/COMMUNITY`); undefined when it names none of them.
 */
export function placeOfScopeParameter(text: string): Place | undefined {
  if (text === 'city') return {};
  const [level, ...rest] = text.split(':');
  const code = rest.join(':');
  if (!code) return undefined;
  const [station, part] = code.split('/');
  if (level === 'district') return { district: code };
  if (level === 'station') return { station: code };
  if (level === 'area' && part) return { station, area: part };
  if (level === 'community' && part) return { station, community: part };
  return undefined;
}
