import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API token is `ff_` + base64url(tenant id bytes ‖ 32 random bytes). Carrying the tenant lets
 * authentication look the token up inside that tenant's row-level-security scope; only its SHA-256
 * hash is stored.
 */
const PREFIX = 'ff_';
const SECRET_BYTES = 32;

export function issueToken(tenantId: string): { token: string; hash: string } {
  const tenantBytes = Buffer.from(tenantId.replaceAll('-', ''), 'hex');
  const token =
    PREFIX + Buffer.concat([tenantBytes, randomBytes(SECRET_BYTES)]).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The tenant a well-formed token belongs to, or null for anything else. */
export function tenantOfToken(token: string): string | null {
  if (!token.startsWith(PREFIX)) return null;
  const bytes = Buffer.from(token.slice(PREFIX.length), 'base64url');
  if (bytes.length !== 16 + SECRET_BYTES) return null;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function generatePlatformAdminToken(): string {
  return 'ffadmin_' + randomBytes(SECRET_BYTES).toString('base64url');
}

/** Compares hashes so the time taken says nothing about how much of the token matched. */
export function isSameToken(candidate: string, expected: string): boolean {
  return timingSafeEqual(
    Buffer.from(hashToken(candidate), 'hex'),
    Buffer.from(hashToken(expected), 'hex'),
  );
}
