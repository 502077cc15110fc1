import { randomBytes } from 'node:crypto';
import type { Role, Scope } from '@app/auth';
import { JwtTokens } from '@app/platform';

// Every app a test builds reads its signing key from here (AuthModule resolves AUTH_JWT_SECRET when
// the app is created), so tokens made below verify and nothing is written under .data/.
process.env.AUTH_JWT_SECRET ??= randomBytes(48).toString('base64url');
const tokens = new JwtTokens(process.env.AUTH_JWT_SECRET);

/** A bearer token for a role and scope, e.g. tokenFor('district_bureau', { districts: ['440106'] }). */
export function tokenFor(role: Role, scope: Scope = {}, id = `test:${role}`): string {
  return tokens.issue({ id, role, scope });
}

export const adminToken = (): string => tokenFor('city_admin', {}, 'test:admin');

/** `fetch` with the token's Authorization header added (the city administrator's by default). */
export function authFetch(token: string = adminToken()): typeof fetch {
  return (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

/** `fetch` as the city administrator: what tests that are not about access use. */
export const adminFetch: typeof fetch = (input, init) => authFetch()(input, init);
