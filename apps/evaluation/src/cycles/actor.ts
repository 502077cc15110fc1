import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is acting: the authenticated caller (the bearer token's subject), set by the platform's auth guard. */
export const Actor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<{ caller: { id: string } }>().caller.id,
);
