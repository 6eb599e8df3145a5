import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  ALL_PERMISSIONS,
  createPerson,
  createRole,
  createTenant,
  createToken,
} from '../modules/identity/index.js';
import { sites } from '../modules/sites/index.js';
import type { RequestContext } from '../platform/context.js';
import { loadCursorKey } from '../platform/db/secrets.js';
import type { DB } from '../platform/db/tables.js';
import { withPlatformTxBypassingRls } from '../platform/db/transactions.js';
import { DEMO_PEOPLE, DEMO_ROLES, DEMO_SITES, DEMO_TENANT } from './demo-data.js';
import { seedRecords } from './seed-records.js';

export type DemoTokens = Record<string, { login: string; token: string }>;

/**
 * Seeds the "Acme Facilities" tenant through the same use cases the API runs, so its audit
 * trail is real. Returns a token per role, or null when the tenant already exists. `tenant`
 * names it otherwise (tests on a shared database).
 */
export async function seedDemo(
  db: Kysely<DB>,
  tenant: typeof DEMO_TENANT = DEMO_TENANT,
): Promise<DemoTokens | null> {
  const existing = await withPlatformTxBypassingRls(db, (tx) =>
    tx.selectFrom('tenants').select('id').where('slug', '=', tenant.slug).executeTakeFirst(),
  );
  if (existing) return null;

  const created = await createTenant(db, tenant, {
    correlationId: randomUUID(),
    ipAddress: null,
    userAgent: 'facilityflow seed',
  });
  const ctx: RequestContext = {
    db,
    tenantId: created.tenant.id,
    tenant: {
      retentionDays: created.tenant.retention_days,
      requireIfMatch: false,
      piiKeys: [],
      plan: created.tenant.plan,
      rateLimits: created.tenant.rate_limits,
    },
    actorId: created.admin.id,
    tokenId: created.token.id,
    tokenExpiresAt: null,
    permissions: new Set(ALL_PERMISSIONS),
    correlationId: randomUUID(),
    ipAddress: null,
    userAgent: 'facilityflow seed',
    cursorKey: await loadCursorKey(db),
  };

  const siteIds = await seedSites(ctx);
  const tokens: DemoTokens = { admin: { login: created.admin.login, token: created.token.token } };
  const roleIds: Record<string, string> = {};
  for (const role of DEMO_ROLES) {
    roleIds[role.name] = (await createRole(ctx, role)).id;
  }
  const personIds: Record<string, string> = {};
  for (const person of DEMO_PEOPLE) {
    const record = await createPerson(ctx, {
      login: person.login,
      name: person.name,
      email: person.email,
      phone: person.phone,
      site_id: siteIds[person.site] ?? null,
      role_ids: [roleIds[person.role]!],
    });
    personIds[person.login] = record.id;
    if (!tokens[person.role]) {
      const issued = await createToken(ctx, { person_id: record.id, name: 'demo token' });
      tokens[person.role] = { login: person.login, token: issued.token };
    }
  }
  await seedRecords(ctx, { siteIds, personIds });
  return tokens;
}

async function seedSites(ctx: RequestContext): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const site of DEMO_SITES) ids[site.code] = (await sites.create(ctx, site)).id as string;
  return ids;
}

/** Demo tokens are kept beside the embedded data so every `npm start` can print them again. */
export function loadOrStoreDemoTokens(
  dataDir: string,
  seeded: DemoTokens | null,
): DemoTokens | null {
  const path = join(dataDir, 'demo-tokens.json');
  if (seeded) {
    writeFileSync(path, JSON.stringify(seeded, null, 2), { mode: 0o600 });
    return seeded;
  }
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DemoTokens) : null;
}
