import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePlatformAdminToken } from './auth/tokens.js';

/**
 * The platform admin token: FACILITYFLOW_ADMIN_TOKEN when set; in embedded mode, otherwise, one
 * generated on first start and kept in the data folder. `generated` says whether to print it.
 */
export function resolvePlatformAdminToken(
  configured: string | undefined,
  dataDir: string | null,
): { token: string | undefined; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  if (!dataDir) return { token: undefined, generated: false };
  const path = join(dataDir, 'admin-token');
  if (existsSync(path)) return { token: readFileSync(path, 'utf8').trim(), generated: false };
  const token = generatePlatformAdminToken();
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}
