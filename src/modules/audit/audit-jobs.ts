import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/tables.js';
import type { JobDefinition } from '../../platform/jobs/start-jobs.js';
import { purgeExpiredAuditEntries } from './purge-expired-entries.js';

export interface AuditJobSettings {
  purgeCron: string;
  /** The sealing of new entries (SPEC §7 tamper evidence), when it is wired in. */
  seal?: { cron: string; run: () => Promise<Record<string, number>> };
}

/** The audit trail's recurring jobs: the retention purge, and the sealing when given. */
export function auditJobs(db: Kysely<DB>, settings: AuditJobSettings): JobDefinition[] {
  const purge: JobDefinition = {
    name: 'audit-purge',
    cron: settings.purgeCron,
    run: async () => {
      const result = await purgeExpiredAuditEntries(db);
      return {
        audit_purged_entries: result.deleted,
        idempotency_keys_purged: result.idempotencyKeysDeleted,
        search_events_purged: result.searchEventsDeleted,
      };
    },
  };
  const seal = settings.seal && { name: 'audit-seal', ...settings.seal };
  return seal ? [purge, seal] : [purge];
}
