import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { buildTestApp, call, type TestApp } from './app.js';
import { createPersonWith, createTenant, type TestTenant } from './factories.js';

/**
 * Resolved tokens are cached per process (ADR 0007); a change to a token, a person, their roles
 * or the tenant made anywhere reaches every process through the database's notification. A
 * second app on the same database stands in for another server process.
 */

let t: TestApp;
let other: FastifyInstance;
let acme: TestTenant;

async function appOnSameDatabase(): Promise<FastifyInstance> {
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    database: t.database,
    redis: null,
    platformAdminToken: t.platformAdminToken,
  });
  await app.ready();
  return app;
}

beforeAll(async () => {
  t = await buildTestApp();
  other = await appOnSameDatabase();
  acme = await createTenant(t);
});
afterAll(async () => {
  await other.close();
  await t.close();
});

const statusOn = async (app: FastifyInstance, token: string, url = '/api/v1/me') =>
  (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }))
    .statusCode;

/** Asks until `app` answers `expected` or two seconds pass; returns the last status. */
async function statusSoon(app: FastifyInstance, token: string, expected: number, url?: string) {
  const deadline = Date.now() + 2000;
  let status = await statusOn(app, token, url);
  while (status !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = await statusOn(app, token, url);
  }
  return status;
}

describe('the token cache', () => {
  it('serves a token it has seen without looking it up again', async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    // Granting the role was announced: let that reach `other` before it caches the token.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOn(other, person.token)).toBe(200);
    // Revoked with triggers off, so no notification: only a lookup would notice.
    await withPlatformTxBypassingRls(t.database.db, async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`update api_tokens set revoked_at = now() where person_id = ${person.id}`.execute(
        tx,
      );
    });
    expect(await statusOn(other, person.token)).toBe(200);
    const fresh = await appOnSameDatabase();
    try {
      expect(await statusOn(fresh, person.token)).toBe(401);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a token revoked through another process', async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    expect(await statusOn(other, person.token)).toBe(200);
    const tokens = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tokens?person_id=${person.id}`,
    });
    const tokenId = (tokens.data.data as { id: string }[])[0]!.id;
    const revoked = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tokens/${tokenId}`,
    });
    expect(revoked.statusCode).toBe(204);
    expect(await statusOn(t.app, person.token)).toBe(401);
    expect(await statusSoon(other, person.token, 401)).toBe(401);
  });

  it("applies a role's lost permission and a deactivation made through another process", async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    expect(await statusOn(other, person.token, '/api/v1/tasks')).toBe(200);
    const role = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/roles/${person.roleId}`,
      payload: { permissions: ['tickets.view'] },
    });
    expect(role.statusCode, role.body).toBe(200);
    expect(await statusOn(t.app, person.token, '/api/v1/tasks')).toBe(403);
    expect(await statusSoon(other, person.token, 403, '/api/v1/tasks')).toBe(403);

    const deactivated = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${person.id}`,
      payload: { is_active: false },
    });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    expect(await statusOn(t.app, person.token)).toBe(401);
    expect(await statusSoon(other, person.token, 401)).toBe(401);
  });
});
