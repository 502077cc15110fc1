import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { invalid } from '@app/kernel';

/**
 * Who is acting: the authenticated caller (the token's subject), set by the platform's auth guard.
 * Without the guard (an app built without AuthModule) the `x-actor` header names the actor.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const caller = context.switchToHttp().getRequest<{ caller?: { id: string } }>().caller;
  if (caller) return caller.id;
  const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['x-actor'];
  const actor = Array.isArray(header) ? header[0] : header;
  if (!actor || actor.trim() === '') throw invalid('actor_required', 'the x-actor header must name who is acting');
  return actor.trim();
});
