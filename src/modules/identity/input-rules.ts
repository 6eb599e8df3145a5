import { AppError } from '../../platform/errors.js';

/** A PATCH must change something: a body holding only `version` is refused, not a no-op write. */
export function assertSomethingToUpdate(input: object): void {
  if (Object.keys(input).every((key) => key === 'version')) {
    throw new AppError('VALIDATION_ERROR', { message: 'Nothing to update' });
  }
}
