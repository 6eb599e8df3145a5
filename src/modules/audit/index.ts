export { auditJobs, type AuditJobSettings } from './audit-jobs.js';
export {
  purgeExpiredAuditEntries,
  type PurgeOptions,
  type PurgeResult,
} from './purge-expired-entries.js';
export { auditVerifyRoutes } from './verify-routes.js';
export { sealAuditEntries, type SealOptions, type SealRun } from './seal-audit-entries.js';
export {
  verifyAuditTrail,
  verifyAuditTrails,
  verifyTenantAuditTrail,
  type TenantVerification,
  type VerifyOptions,
} from './verify-audit-trail.js';
export { type AuditProblem, type AuditVerification } from './verify-schemas.js';
export { auditRoutes } from './routes.js';
export { HISTORY_PATHS, type HistoryPath } from './history-paths.js';
export { listAuditEntries } from './list-audit-entries.js';
export { listRecordHistory } from './list-record-history.js';
export { exportAuditEntries, type AuditExport } from './export-audit-entries.js';
export { declareExportCursor, EXPORT_BATCH, fetchExportBatch } from './audit-export-cursor.js';
export { filterConditions } from './audit-entry-query.js';
export { CSV_COLUMNS } from './export-formats.js';
export { AuditEntrySchema, type AuditEntry } from './schemas.js';
