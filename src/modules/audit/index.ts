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
