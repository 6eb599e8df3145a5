export {
  purgeExpiredAuditEntries,
  type PurgeOptions,
  type PurgeResult,
} from './purge-expired-entries.js';
