import { invalidField } from '../../platform/errors.js';

type Instant = string | Date | null | undefined;

/**
 * A punch-out before the punch-in, when one input gives both. A PATCH that moves only one of them
 * past the other is refused by the table's CHECK, which also answers 400.
 */
export function validateAttendanceInput(input: {
  punch_in_at?: Instant;
  punch_out_at?: Instant;
}): void {
  const { punch_in_at: punchIn, punch_out_at: punchOut } = input;
  if (punchIn && punchOut && new Date(punchOut).getTime() < new Date(punchIn).getTime()) {
    throw invalidField('punch_out_at', 'must not be before punch_in_at');
  }
}
