import { HttpException, HttpStatus, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { cycleDecision, enforce, permissionDecision, placeOfScopeParameter, type CycleRef, type Permission, type Place, type TokenVerifier } from '@app/auth';
import { AccessService } from './access.service.js';
import { FailureLimiter } from './failure-limiter.js';
import { CYCLE_PARAM, PUBLIC_ROUTE, REQUIRED_PERMISSIONS, type AuthenticatedRequest } from './decorators.js';
import { AUTH_OPTIONS, CYCLE_RESOLVER, TOKEN_VERIFIER } from './tokens.js';

export interface AuthOptions {
  /** Failed authentications one address may make per minute before it gets 429. */
  failuresPerMinute: number;
}

interface IncomingRequest extends AuthenticatedRequest {
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

const PLACE_FIELDS = ['district', 'station', 'community'] as const;

/** How the guard finds the cycle a @ForCycle route names; undefined: not found (the handler answers 404). */
export interface CycleResolver {
  cycle(id: string): Promise<CycleRef | undefined>;
}

/**
 * Every route needs a valid bearer token unless marked @Public; then the role must hold the
 * route's @Requires permissions, and any place named in the params, query or body must be in the
 * caller's scope. 401 for no or a bad token (expired, forged, another key), 403 for the rest.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly failures: FailureLimiter;

  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(AUTH_OPTIONS) options: AuthOptions,
    private readonly access: AccessService,
    private readonly modules: ModuleRef,
  ) {
    this.failures = new FailureLimiter({ limit: options.failuresPerMinute });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<IncomingRequest>();
    if (this.failures.blocked(request.ip)) throw new HttpException('too many failed authentications', HttpStatus.TOO_MANY_REQUESTS);
    request.caller = await this.authenticate(request);

    const permissions = this.reflector.getAllAndOverride<Permission[]>(REQUIRED_PERMISSIONS, targets) ?? [];
    for (const permission of permissions) enforce(permissionDecision(request.caller, permission));
    const cycleParam = this.reflector.getAllAndOverride<string>(CYCLE_PARAM, targets);
    const cycleId = cycleParam ? request.params?.[cycleParam] : undefined;
    if (typeof cycleId === 'string') {
      const cycle = await this.modules.get<CycleResolver>(CYCLE_RESOLVER, { strict: false }).cycle(cycleId);
      const places = await this.access.places();
      if (cycle) for (const permission of permissions) enforce(cycleDecision(request.caller, permission, cycle, places));
    }
    for (const place of placesNamed(request)) enforce(await this.access.decidePlace(request.caller, place));
    return true;
  }

  private async authenticate(request: IncomingRequest) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedException('a bearer token is required');
    try {
      return await this.verifier.verify(match[1]);
    } catch {
      this.failures.failed(request.ip);
      throw new UnauthorizedException('the token is invalid or expired');
    }
  }
}

/**
 * The places a request names: the published field names wherever they appear, and a query's
 * `scope` (indicator queries: `city`, `district:440111`, `station:…`). A scope that names no place
 * is left to the handler's validation.
 */
function placesNamed(request: IncomingRequest): Place[] {
  const sources = [request.params, request.query, request.body].filter(
    (source): source is Record<string, unknown> => typeof source === 'object' && source !== null && !Array.isArray(source),
  );
  const named = sources
    .map((source) => Object.fromEntries(PLACE_FIELDS.filter((field) => typeof source[field] === 'string').map((field) => [field, source[field]])) as Place)
    .filter((place) => Object.keys(place).length > 0);
  const scope = request.query?.scope;
  const scoped = typeof scope === 'string' ? placeOfScopeParameter(scope) : undefined;
  return scoped ? [...named, scoped] : named;
}
