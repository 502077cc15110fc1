import { invalid } from '@app/kernel';
import { ROLES, isRole, type Role } from './roles.js';

/**
 * Where a caller may act. Districts by division code (440106), stations and areas (片区) by their
 * codes, evaluation cycles by id. A missing list means "none", never "all": only the city
 * administrator (and an analyst without a district) sees everything.
 */
export interface Scope {
  districts?: string[];
  stations?: string[];
  areas?: string[];
  cycles?: string[];
}

export type ScopeKind = keyof Scope;

const PREFIX: Record<string, ScopeKind> = { district: 'districts', station: 'stations', area: 'areas', cycle: 'cycles' };

/** What each role's scope must (min) and may (max) hold; absent kinds are not allowed. */
const SHAPE: Record<Role, Partial<Record<ScopeKind, [min: number, max: number]>>> = {
  city_admin: {},
  district_bureau: { districts: [1, Infinity] },
  street_office: { stations: [1, 1] },
  station_manager: { stations: [1, 1] },
  social_worker: { stations: [1, 1], areas: [0, Infinity] },
  evaluator: { cycles: [1, Infinity] },
  supervision_centre: { stations: [1, Infinity] },
  analyst: { districts: [0, Infinity] },
};

/** `district:440106`, `station:YG`, `area:YG-1`, `cycle:2025-final` (repeatable, or comma-separated). */
export function parseScope(entries: readonly string[]): Scope {
  const scope: Scope = {};
  for (const entry of entries.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean)) {
    const [prefix, ...rest] = entry.split(':');
    const kind = PREFIX[prefix];
    const code = rest.join(':');
    if (!kind || !code) throw invalid('scope_malformed', `scope "${entry}" is not one of district:CODE, station:CODE, area:CODE, cycle:ID`);
    const list = (scope[kind] ??= []);
    if (!list.includes(code)) list.push(code);
  }
  return scope;
}

export function formatScope(scope: Scope): string[] {
  return Object.entries(PREFIX).flatMap(([prefix, kind]) => (scope[kind] ?? []).map((code) => `${prefix}:${code}`));
}

/** The scope a role needs (e.g. a street office has exactly one station); throws `invalid` otherwise. */
export function checkScope(role: Role, scope: Scope): Scope {
  if (!isRole(role)) throw invalid('role_unknown', `role "${String(role)}" is not one of ${ROLES.join(', ')}`);
  const shape = SHAPE[role];
  const checked: Scope = {};
  for (const kind of Object.values(PREFIX)) {
    const list = scope[kind] ?? [];
    const bounds = shape[kind];
    if (!bounds) {
      if (list.length > 0) throw invalid('scope_not_allowed', `a ${role} has no ${kind} in its scope`);
      continue;
    }
    const [min, max] = bounds;
    if (list.length < min || list.length > max) {
      const wanted = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw invalid('scope_shape', `a ${role} needs ${wanted} ${kind.slice(0, -1)}(s) in its scope, got ${list.length}`);
    }
    if (!list.every((code) => typeof code === 'string' && code.length > 0)) throw invalid('scope_malformed', `${kind} must be codes`);
    if (list.length > 0) checked[kind] = [...list];
  }
  return checked;
}
