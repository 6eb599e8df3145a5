import { AppError } from '../../platform/errors.js';
import type { RecordRow } from '../../platform/records/record-table.js';
import type { Reference } from '../../platform/records/references.js';

/** SPEC §8: at most this many records in one request. */
export const MAX_BULK_IDS = 1000;

/** What every bulk request carries, whatever it changes. */
export interface BulkRequest {
  ids: readonly string[];
  comments?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** Decide everything, write nothing. */
  dryRun: boolean;
  /** True: any failure leaves every record as it was. False: the records that pass change. */
  rollbackOnError: boolean;
  /** The version each record was read at, where the caller names one. */
  versions?: Readonly<Record<string, number>> | undefined;
}

/** What a bulk request does to each record. */
export type BulkChange =
  | { kind: 'transition'; targetState: string }
  | {
      kind: 'update';
      /** The same field values for every record, as PATCH takes them. */
      set: RecordRow;
      /** What a PATCH with these fields would need. */
      permissions: readonly string[];
      /** The checks a PATCH makes, run on each record as it would be after the change. */
      validate?: ((record: RecordRow) => void) | undefined;
      /** Records the values name: each must be a live record of the tenant, else 400. */
      references?: readonly Reference[] | undefined;
    };

/**
 * Ids as the database gives them back (lower case), in `ids` and as `versions` keys: the report
 * names them so. Two `versions` keys for one id are refused (400).
 */
export function normaliseIds(request: BulkRequest): BulkRequest {
  if (!request.versions) return { ...request, ids: request.ids.map((id) => id.toLowerCase()) };
  const versions: Record<string, number> = {};
  for (const [id, version] of Object.entries(request.versions)) {
    const normalised = id.toLowerCase();
    if (normalised in versions) {
      throw new AppError('VALIDATION_ERROR', {
        message: `versions names ${normalised} twice`,
        details: { errors: [{ path: `/versions/${id}`, message: 'names an id twice' }] },
      });
    }
    versions[normalised] = version;
  }
  return { ...request, ids: request.ids.map((id) => id.toLowerCase()), versions };
}

/** 1–1,000 distinct ids, and versions only for those ids: else the request is refused (400). */
export function assertValidIds(request: Pick<BulkRequest, 'ids' | 'versions'>): void {
  const { ids } = request;
  if (ids.length === 0) throw new AppError('EMPTY_IDS');
  if (ids.length > MAX_BULK_IDS) {
    throw new AppError('TOO_MANY_IDS', {
      message: `At most ${MAX_BULK_IDS} ids per request, not ${ids.length}`,
      details: { max: MAX_BULK_IDS, given: ids.length },
    });
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) {
    const normalised = id.toLowerCase();
    if (seen.has(normalised)) duplicates.add(id);
    seen.add(normalised);
  }
  if (duplicates.size > 0) {
    throw new AppError('DUPLICATE_IDS', { details: { duplicate_ids: [...duplicates] } });
  }
  const strays = Object.keys(request.versions ?? {}).filter((id) => !seen.has(id.toLowerCase()));
  if (strays.length > 0) {
    throw new AppError('VALIDATION_ERROR', {
      message: 'versions names ids that are not in ids',
      details: { errors: strays.map((id) => ({ path: `/versions/${id}`, message: 'not in ids' })) },
    });
  }
}
