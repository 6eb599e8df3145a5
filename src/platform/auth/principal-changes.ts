import type { Database } from '../db/database.js';
import type { PersonPrincipal } from './authenticate.js';
import { PRINCIPALS_CHANNEL, PrincipalCache, registerPrincipalCache } from './principal-cache.js';

/**
 * A principal cache kept true by the database's notifications (ADR 0007): a tenant announced on
 * PRINCIPALS_CHANNEL loses its entries, and while the channel is not heard nothing is cached.
 */
export async function listenForPrincipalChanges(
  database: Database,
  ttlSeconds: number,
): Promise<{ cache: PrincipalCache<PersonPrincipal>; stop: () => Promise<void> }> {
  const cache = new PrincipalCache<PersonPrincipal>(ttlSeconds * 1000);
  registerPrincipalCache(database.db, cache);
  if (ttlSeconds === 0) return { cache, stop: async () => {} };
  const stop = await database.listen(PRINCIPALS_CHANNEL, {
    message: (tenantId) => cache.forgetTenant(tenantId),
    listening: (on) => cache.setListening(on),
  });
  return { cache, stop };
}
