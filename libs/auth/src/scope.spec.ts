import { DomainError } from '@app/kernel';
import { callerFromClaims } from './caller.js';
import type { Role } from './roles.js';
import { checkScope, formatScope, parseScope, type Scope } from './scope.js';

describe('scopes', () => {
  it('parses repeated and comma-separated entries and formats them back', () => {
    const scope = parseScope(['station:YG', 'area:YG-1,area:YG-2', 'area:YG-1']);
    expect(scope).toEqual({ stations: ['YG'], areas: ['YG-1', 'YG-2'] });
    expect(formatScope(scope)).toEqual(['station:YG', 'area:YG-1', 'area:YG-2']);
  });

  it.each(['440106', 'town:1', 'station:'])('refuses the malformed entry %s', (entry) => {
    expect(() => parseScope([entry])).toThrow(expect.objectContaining({ code: 'scope_malformed' }));
  });

  it.each([
    ['street_office', {}, 'scope_shape'],
    ['street_office', { stations: ['A', 'B'] }, 'scope_shape'],
    ['district_bureau', { stations: ['A'], districts: ['440106'] }, 'scope_not_allowed'],
    ['station_manager', { stations: ['A'], areas: ['A-1'] }, 'scope_not_allowed'],
    ['evaluator', {}, 'scope_shape'],
    ['city_admin', { districts: ['440106'] }, 'scope_not_allowed'],
  ] as [Role, Scope, string][])('refuses a %s with scope %j (%s)', (role, scope, code) => {
    expect(() => checkScope(role, scope)).toThrow(expect.objectContaining({ kind: 'invalid', code }));
  });

  it('accepts a worker limited to areas and an analyst with or without districts', () => {
    expect(checkScope('social_worker', { stations: ['A'], areas: ['A-1'] })).toEqual({ stations: ['A'], areas: ['A-1'] });
    expect(checkScope('analyst', {})).toEqual({});
    expect(checkScope('analyst', { districts: ['440111'] })).toEqual({ districts: ['440111'] });
  });

  it('turns valid claims into a caller and refuses claims without subject, known role or scopes', () => {
    expect(callerFromClaims({ sub: 'u1', role: 'district_bureau', scopes: { districts: ['440111'] }, exp: 1 })).toEqual({
      id: 'u1',
      role: 'district_bureau',
      scope: { districts: ['440111'] },
    });
    for (const claims of [{ role: 'city_admin', scopes: {} }, { sub: 'u', role: 'root', scopes: {} }, { sub: 'u', role: 'city_admin' }, null]) {
      expect(() => callerFromClaims(claims)).toThrow(DomainError);
    }
  });
});
