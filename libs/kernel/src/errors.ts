/**
 * Errors the domain raises on purpose. The kind decides the HTTP status in one place (the
 * platform's exception filter); the code names the rule that was broken, for clients and tests.
 */
export type DomainErrorKind =
  | 'invariant' // a rule of the domain refused the command (HTTP 422)
  | 'conflict' // concurrent change, or an id reused with other content (HTTP 409)
  | 'not_found' // HTTP 404
  | 'forbidden' // the caller's role or scope does not allow it (HTTP 403)
  | 'invalid'; // malformed input that got past the edge (HTTP 400)

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invariant = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('invariant', code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, details);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('not_found', code, message, details);
export const forbidden = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('forbidden', code, message, details);
export const invalid = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', code, message, details);
