import type { Kysely } from 'kysely';
import type { DB } from '../../platform/db/tables.js';
import type { JobDefinition } from '../../platform/jobs/start-jobs.js';
import { purgeExpiredAuditEntries } from './purge-expired-entries.js';
import { sealAuditEntries } from './seal-audit-entries.js';

export interface AuditJobSettings {
  purgeCron: string;
  sealCron: string;
}

/** The audit trail's recurring jobs: the retention purge and the sealing of new entries. */
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
  const seal: JobDefinition = {
    name: 'audit-seal',
    cron: settings.sealCron,
    run: async () => {
      const result = await sealAuditEntries(db);
      return { audit_seals: result.seals, audit_sealed_entries: result.entries };
    },
  };
  return [purge, seal];
}
