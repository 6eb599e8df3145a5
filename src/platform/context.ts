import type { TenantScope } from './db/transactions.js';

/** Tenant settings the request pipeline needs on every call (loaded with the token). */
export interface TenantSettings {
  readonly retentionDays: number;
  readonly requireIfMatch: boolean;
  readonly piiKeys: readonly string[];
  /** Rate limits (SPEC §9): a premium tenant's people get the higher per-person limit... */
  readonly plan: 'standard' | 'premium';
  /** ...unless a per-policy override (`{search: 2000}`) sets it. */
  readonly rateLimits: Readonly<Record<string, number>>;
}

/** Who is calling, for whom, and from where: handed to every use case. */
export interface RequestContext extends TenantScope {
  readonly tenant: TenantSettings;
  /** The person behind the token. */
  readonly actorId: string;
  readonly tokenId: string;
  /** When the caller's own token expires: tokens it issues for itself may not outlive it. */
  readonly tokenExpiresAt: Date | null;
  readonly permissions: ReadonlySet<string>;
  readonly correlationId: string;
  readonly ipAddress: string | null;
  readonly userAgent: string | null;
  /** Signs and checks pagination cursors. */
  readonly cursorKey: Buffer;
}

/** Where an audit entry comes from: a request, or a platform action on a tenant's behalf. */
export type AuditSource = Pick<
  RequestContext,
  'tenantId' | 'correlationId' | 'ipAddress' | 'userAgent'
> & {
  readonly tenant: Pick<TenantSettings, 'retentionDays' | 'piiKeys'>;
  readonly actorId: string | null;
};
