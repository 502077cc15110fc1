import { SetMetadata, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller, Permission } from '@app/auth';

export const PUBLIC_ROUTE = 'auth:public';
export const REQUIRED_PERMISSIONS = 'auth:requires';

/** Answers without a token (health only; the API docs are served outside Nest's router). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The role must hold every permission named. The place is checked apart: the guard checks any
 * `district`, `station` or `community` in the route params, query or body, and handlers check
 * what they load (AccessService).
 */
export const Requires = (...permissions: Permission[]) => SetMetadata(REQUIRED_PERMISSIONS, permissions);

export interface AuthenticatedRequest {
  caller?: Caller;
}

/** The authenticated caller (set by the guard); its `id` is the actor of the events recorded. */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('CurrentCaller used on a public route');
  return caller;
});
