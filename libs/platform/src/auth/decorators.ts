import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller, Permission } from '@app/auth';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_PERMISSIONS = 'auth:requires';
export const CYCLE_PARAM = 'auth:cycle';

/** Answers without a token (health only; the API docs are served outside Nest's router). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The role must hold every permission named. The place is checked apart: the guard checks any
 * `district`, `station` or `community` in the route params, query or body, and handlers check
 * what they load (AccessService).
 */
export const Requires = (...permissions: Permission[]) => SetMetadata(REQUIRED_PERMISSIONS, permissions);

/**
 * The route acts on the evaluation cycle named by this route parameter: the guard loads it through
 * the app's CYCLE_RESOLVER and checks the route's permissions against it (an evaluator reaches only
 * its assigned cycles, the other parties the cycles of their places).
 */
export const ForCycle = (param = 'id') => SetMetadata(CYCLE_PARAM, param);

export interface AuthenticatedRequest {
  caller?: Caller;
}

/** The authenticated caller (set by the guard); its `id` is the actor of the events recorded. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});
