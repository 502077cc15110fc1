import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { invalid } from '@app/kernel';

/**
 * Who is acting. For now the `x-actor` header, read here and nowhere else, so access control can
 * replace it with the authenticated identity in one place.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>().headers['x-actor'];
  const actor = Array.isArray(header) ? header[0] : header;
  if (!actor || actor.trim() === '') throw invalid('actor_required', 'the x-actor header must name who is acting');
  return actor.trim();
});
