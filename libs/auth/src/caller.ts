import { invalid } from '@app/kernel';
import { isRole, hasPermission, type Permission, type Role } from './roles.js';
import { checkScope, type Scope } from './scope.js';

/** The authenticated caller of a request or command: who (the token's subject), as what, where. */
export interface Caller {
  id: string;
  role: Role;
  scope: Scope;
}

/**
 * What a token states. Any issuer (our own signing key today, an OpenID Connect provider later)
 * must produce these claims; `scopes` is the only private claim.
 */
export interface TokenClaims {
  sub: string;
  role: Role;
  scopes: Scope;
  exp: number;
  iat?: number;
  name?: string;
}

/** A verified token's claims as a caller; claims that do not describe a valid caller are refused. */
export function callerFromClaims(claims: unknown): Caller {
  const { sub, role, scopes } = (claims ?? {}) as Partial<TokenClaims>;
  if (typeof sub !== 'string' || sub.length === 0) throw invalid('token_claims', 'token has no subject');
  if (!isRole(role)) throw invalid('token_claims', 'token has no known role');
  if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes)) throw invalid('token_claims', 'token has no scopes');
  return { id: sub, role, scope: checkScope(role, scopes) };
}

export const can = (caller: Caller, permission: Permission): boolean => hasPermission(caller.role, permission);

/**
 * Checks a bearer token and names its caller. The platform's own HS256 key implements it now; an
 * OpenID Connect provider (JWKS) can implement it later without touching the guard or the rules.
 */
export interface TokenVerifier {
  /** Resolves to the caller, or rejects (expired, forged, other key, malformed claims). */
  verify(token: string): Promise<Caller>;
}
