import type { Database } from '../db/database.js';
import { onCommit } from '../db/transactions.js';
import type { PersonPrincipal } from './authenticate.js';
import { PRINCIPALS_CHANNEL, PrincipalCache } from './principal-cache.js';

/** The audited entity types whose changes can alter what a tenant's tokens resolve to. */
const PRINCIPAL_SOURCES = new Set(['tenant', 'person', 'role', 'api_token']);

/**
 * A principal cache kept true by the database's notifications (ADR 0007): a tenant announced on
 * PRINCIPALS_CHANNEL loses its entries, and while the channel is not heard nothing is cached.
 * The notification arrives a moment after the commit, so a transaction of this process that
 * audited such a change also drops the tenant's entries as it commits: the caller's next
 * request never sees the old principal.
 */
export async function listenForPrincipalChanges(
  database: Database,
  ttlSeconds: number,
): Promise<{ cache: PrincipalCache<PersonPrincipal>; stop: () => Promise<void> }> {
  const cache = new PrincipalCache<PersonPrincipal>(ttlSeconds * 1000);
  if (ttlSeconds === 0) return { cache, stop: async () => {} };
  const stopCommits = onCommit(database.db, async (changes) => {
    for (const [tenantId, types] of changes) {
      if ([...types].some((type) => PRINCIPAL_SOURCES.has(type))) cache.forgetTenant(tenantId);
    }
  });
  const stopListening = await database.listen(PRINCIPALS_CHANNEL, {
    message: (tenantId) => cache.forgetTenant(tenantId),
    listening: (on) => cache.setListening(on),
  });
  return {
    cache,
    stop: async () => {
      stopCommits();
      await stopListening();
    },
  };
}
