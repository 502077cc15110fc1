import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { DomainError, type DomainErrorKind } from '@app/kernel';
import { WrongExpectedVersionError, InvalidEventError } from '@app/event-store';

const STATUS: Record<DomainErrorKind, number> = {
  invariant: HttpStatus.UNPROCESSABLE_ENTITY,
  conflict: HttpStatus.CONFLICT,
  not_found: HttpStatus.NOT_FOUND,
  forbidden: HttpStatus.FORBIDDEN,
  invalid: HttpStatus.BAD_REQUEST,
};

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code?: string;
  details?: Record<string, unknown>;
}

/** Maps every error to a JSON body with a reason; never a stack trace. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof DomainError) {
    return { statusCode: STATUS[error.kind], error: error.kind, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof WrongExpectedVersionError) {
    return { statusCode: HttpStatus.CONFLICT, error: 'conflict', code: 'concurrent_change', message: error.message };
  }
  if (error instanceof InvalidEventError) {
    return { statusCode: HttpStatus.BAD_REQUEST, error: 'invalid', code: 'invalid_event', message: error.message };
  }
  if (error instanceof HttpException) {
    const response = error.getResponse();
    const body = typeof response === 'string' ? { message: response } : (response as Record<string, unknown>);
    return {
      ...body,
      statusCode: error.getStatus(),
      error: (body.error as string) ?? error.name,
      message: (body.message as string | string[]) ?? error.message,
    };
  }
  return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, error: 'internal', message: 'internal error' };
}

@Catch()
export class PlatformExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) this.logger.error((exception as Error)?.stack ?? String(exception));
    const reply = host.switchToHttp().getResponse<{ status(code: number): { send(body: unknown): void } }>();
    reply.status(body.statusCode).send(body);
  }
}
