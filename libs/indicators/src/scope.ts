/**
 * Scopes of an indicator query (RECORDS.md): `city`, `district:CODE`, `station:CODE`,
 * `area:STATION/AREA`, `community:STATION/COMMUNITY`. Areas and communities are named within
 * their station because their codes are only unique there.
 */
import { invalid } from '@app/kernel';

export type Scope =
  | { type: 'city' }
  | { type: 'district'; district: string }
  | { type: 'station'; station: string }
  | { type: 'area'; station: string; area: string }
  | { type: 'community'; station: string; community: string };

const PART = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function parseScope(text: unknown): Scope {
  const fail = (why: string) =>
    invalid('bad_scope', `scope ${JSON.stringify(text)} ${why}; use city, district:CODE, station:CODE, area:STATION/AREA or community:STATION/COMMUNITY`);
  if (typeof text !== 'string' || text === '') throw fail('is missing');
  if (text === 'city') return { type: 'city' };
  const colon = text.indexOf(':');
  if (colon < 0) throw fail('is not a scope');
  const type = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  const parts = rest.split('/');
  if (!parts.every((p) => PART.test(p))) throw fail('has an empty or malformed code');
  switch (type) {
    case 'district':
    case 'station':
      if (parts.length !== 1) throw fail(`needs one code after ${type}:`);
      return type === 'district' ? { type, district: parts[0]! } : { type, station: parts[0]! };
    case 'area':
    case 'community':
      if (parts.length !== 2) throw fail(`needs STATION/CODE after ${type}:`);
      return type === 'area' ? { type, station: parts[0]!, area: parts[1]! } : { type, station: parts[0]!, community: parts[1]! };
    default:
      throw fail(`has an unknown kind "${type}"`);
  }
}

export function formatScope(scope: Scope): string {
  switch (scope.type) {
    case 'city':
      return 'city';
    case 'district':
      return `district:${scope.district}`;
    case 'station':
      return `station:${scope.station}`;
    case 'area':
      return `area:${scope.station}/${scope.area}`;
    case 'community':
      return `community:${scope.station}/${scope.community}`;
  }
}
