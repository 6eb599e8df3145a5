import { invalidField } from '../../platform/errors.js';
import type { Polygon } from './schemas.js';

/** An IANA zone name: letters first, so offsets such as `+05:30` are not taken for one. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** A name the runtime's IANA database knows (`Europe/London`, `Asia/Kolkata`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (!ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The checks a schema cannot express: a real time zone, closed rings with an area. */
export function validateSiteInput(input: {
  timezone?: string | undefined;
  geofence?: Polygon | null | undefined;
}): void {
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) {
    throw invalidField('timezone', `unknown IANA time zone ${JSON.stringify(input.timezone)}`);
  }
  input.geofence?.coordinates.forEach((ring, i) => {
    const first = ring[0]!;
    const last = ring.at(-1)!;
    if (first[0] !== last[0] || first[1] !== last[1]) {
      throw invalidField(
        `geofence`,
        `ring ${i} is not closed: its last position must equal its first`,
      );
    }
    if (new Set(ring.map((position) => position.join(','))).size < 3) {
      throw invalidField('geofence', `ring ${i} needs at least three distinct positions`);
    }
  });
}
