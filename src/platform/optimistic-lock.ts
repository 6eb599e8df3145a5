import type { TenantSettings } from './context.js';
import { AppError } from './errors.js';

/** The version a write was based on, and where the caller said so (it decides 409 or 412). */
export interface ExpectedVersion {
  version: number;
  source: 'body' | 'if-match';
}

/**
 * Reads `If-Match: "<version>"` or the body's `version` (SPEC §5). No version means last write
 * wins, unless the tenant requires If-Match (428).
 */
export function expectedVersion(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
  tenant: Pick<TenantSettings, 'requireIfMatch'>,
): ExpectedVersion | null {
  if (ifMatch !== undefined) {
    // `*`: the caller knowingly writes over whatever version is current.
    if (ifMatch.trim() === '*') return null;
    const match = /^\s*(?:W\/)?(?:"(\d{1,9})"|(\d{1,9}))\s*$/.exec(ifMatch);
    const version = match?.[1] ?? match?.[2];
    if (!version) {
      throw new AppError('VALIDATION_ERROR', {
        message: 'If-Match must be a version in quotes, as in the ETag: "3"',
      });
    }
    if (bodyVersion !== undefined && bodyVersion !== Number(version)) {
      throw new AppError('VALIDATION_ERROR', {
        message: 'If-Match and the body version name different versions',
      });
    }
    return { version: Number(version), source: 'if-match' };
  }
  if (bodyVersion !== undefined) return { version: bodyVersion, source: 'body' };
  if (tenant.requireIfMatch) throw new AppError('PRECONDITION_REQUIRED');
  return null;
}

export function versionConflict(expected: ExpectedVersion, currentVersion: number): AppError {
  return new AppError('CONCURRENCY_ERROR', {
    status: expected.source === 'if-match' ? 412 : 409,
    fields: {
      current_version: currentVersion,
      your_version: expected.version,
      retry_instructions: 'Please refresh and try again',
    },
  });
}

export function etag(version: number): string {
  return `"${version}"`;
}
