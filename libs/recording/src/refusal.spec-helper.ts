import { DomainError } from '@app/kernel';

/** The DomainError a decision throws (specs assert on its code); fails when nothing is thrown. */
export function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
