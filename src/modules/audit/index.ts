export { auditJobs, type AuditJobSettings } from './audit-jobs.js';
export {
  purgeExpiredAuditEntries,
  type PurgeOptions,
  type PurgeResult,
} from './purge-expired-entries.js';
