import type { Migration } from 'kysely';
import * as foundation from './0001_foundation.js';
import * as records from './0002_records.js';
import * as tokenLookup from './0003_token_lookup.js';
import * as principalNotifications from './0004_principal_notifications.js';
import * as search from './0005_search.js';
import * as idempotency from './0006_idempotency.js';
import * as auditSeals from './0007_audit_seals.js';
import * as auditRead from './0008_audit_read.js';
import * as auditPurgeGuard from './0009_audit_purge_guard.js';
import * as searchWordIndex from './0010_search_word_index.js';
import * as auditDetailInEntry from './0011_audit_detail_in_entry.js';
import * as auditEntryKeyAndChecks from './0012_audit_entry_key_and_checks.js';

/** Every migration, in order. Listed statically so they run the same under tsx, vitest and node. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_records': records,
  '0003_token_lookup': tokenLookup,
  '0004_principal_notifications': principalNotifications,
  '0005_search': search,
  '0006_idempotency': idempotency,
  '0007_audit_seals': auditSeals,
  '0008_audit_read': auditRead,
  '0009_audit_purge_guard': auditPurgeGuard,
  '0010_search_word_index': searchWordIndex,
  '0011_audit_detail_in_entry': auditDetailInEntry,
  '0012_audit_entry_key_and_checks': auditEntryKeyAndChecks,
};
