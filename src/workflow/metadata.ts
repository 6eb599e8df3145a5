import { invalidField } from '../platform/errors.js';

/** Bounds on a transition's free-form `metadata`: it is stored in the audit trail. */
const MAX_DEPTH = 6;
const MAX_VALUES = 200;
const MAX_BYTES = 16 * 1024;

/** 400 for metadata nested or sized beyond what a record's audit entry should carry. */
export function assertMetadataFits(metadata: Record<string, unknown> | undefined): void {
  if (!metadata) return;
  let values = 0;
  const walk = (node: unknown, depth: number): void => {
    values += 1;
    if (values > MAX_VALUES) throw invalidField('metadata', `has more than ${MAX_VALUES} values`);
    if (node === null || typeof node !== 'object') return;
    if (depth >= MAX_DEPTH) {
      throw invalidField('metadata', `is nested deeper than ${MAX_DEPTH} levels`);
    }
    for (const child of Object.values(node)) walk(child, depth + 1);
  };
  walk(metadata, 0);
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_BYTES) {
    throw invalidField('metadata', `is larger than ${MAX_BYTES / 1024} KiB`);
  }
}
