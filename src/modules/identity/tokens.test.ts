import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t);
  other = await createTenant(t);
});
afterAll(() => t.close());

const me = (token: string) => call(t, token, { method: 'GET', url: '/api/v1/me' });

/** Calls `request` until it answers `expected` or two seconds pass; returns the last status. */
async function statusSoon(request: () => Promise<{ statusCode: number }>, expected: number) {
  const deadline = Date.now() + 2000;
  let status = (await request()).statusCode;
  while (status !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = (await request()).statusCode;
  }
  return status;
}

describe('tokens', () => {
  it('issues a token shown once, lists it without the secret, and revokes it at once', async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    const issued = await call(t, person.token, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: person.id, name: 'laptop' },
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const secret = issued.data.token as string;
    expect((await me(secret)).statusCode).toBe(200);

    const list = await call(t, person.token, { method: 'GET', url: '/api/v1/tokens' });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    expect(
      (list.data.data as { person_id: string }[]).every((tok) => tok.person_id === person.id),
    ).toBe(true);

    const revoked = await call(t, person.token, {
      method: 'DELETE',
      url: `/api/v1/tokens/${issued.data.id}`,
    });
    expect(revoked.statusCode).toBe(204);
    const after = await me(secret);
    expect(after.statusCode).toBe(401);
    expect(after.data.error).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses expired tokens and tokens of deleted people', async () => {
    const person = await createPersonWith(t, acme, ['tasks.view']);
    const expiring = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: {
        person_id: person.id,
        name: 'short',
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    expect(expiring.statusCode).toBe(201);
    expect((await me(expiring.data.token as string)).statusCode).toBe(200);
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .updateTable('api_tokens')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', expiring.data.id as string)
        .execute(),
    );
    // Written past the API: the database's notification tells the token cache, a moment later.
    expect(await statusSoon(() => me(expiring.data.token as string), 401)).toBe(401);

    const past = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: person.id, name: 'past', expires_at: '2020-01-01T00:00:00Z' },
    });
    expect(past.statusCode).toBe(400);

    expect((await me(person.token)).statusCode).toBe(200);
    await call(t, acme.adminToken, { method: 'DELETE', url: `/api/v1/people/${person.id}` });
    expect((await me(person.token)).statusCode).toBe(401);
  });

  it("needs tenant.admin to issue or revoke another person's token, and audits the denial", async () => {
    const alice = await createPersonWith(t, acme, ['tasks.view']);
    const bob = await createPersonWith(t, acme, ['tasks.view']);
    const issue = await call(t, alice.token, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: bob.id, name: 'stolen' },
    });
    expect(issue.statusCode).toBe(403);
    expect(issue.data.error).toMatchObject({ details: { required_permission: 'tenant.admin' } });

    const bobsTokens = await call(t, acme.adminToken, { method: 'GET', url: '/api/v1/tokens' });
    const bobsToken = (bobsTokens.data.data as { id: string; person_id: string }[]).find(
      (tok) => tok.person_id === bob.id,
    )!;
    const revoke = await call(t, alice.token, {
      method: 'DELETE',
      url: `/api/v1/tokens/${bobsToken.id}`,
    });
    expect(revoke.statusCode).toBe(403);
    expect((await me(bob.token)).statusCode).toBe(200);

    const denials = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx
        .selectFrom('audit_entries as a')
        .where('a.permission_denial', 'is not', null)
        .select([
          sql<string>`a.permission_denial->>'required_permission'`.as('required_permission'),
          sql<string>`a.permission_denial->>'action_attempted'`.as('action_attempted'),
          sql<string>`a.permission_denial->>'risk_level'`.as('risk_level'),
        ])
        .where('a.actor_id', '=', alice.id)
        .orderBy('a.created_at')
        .execute(),
    );
    expect(denials).toEqual([
      {
        required_permission: 'tenant.admin',
        action_attempted: 'issue a token for another person',
        risk_level: 'LOW',
      },
      {
        required_permission: 'tenant.admin',
        action_attempted: "revoke another person's token",
        risk_level: 'MEDIUM',
      },
    ]);
  });

  it("treats another tenant's people and tokens as missing", async () => {
    const theirs = await createPersonWith(t, other, ['tasks.view']);
    const issue = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { person_id: theirs.id, name: 'cross' },
    });
    expect(issue.statusCode).toBe(404);
    const otherTokens = await call(t, other.adminToken, { method: 'GET', url: '/api/v1/tokens' });
    const tokenId = (otherTokens.data.data as { id: string }[])[0]!.id;
    const revoke = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/tokens/${tokenId}`,
    });
    expect(revoke.statusCode).toBe(404);
    expect((await me(theirs.token)).statusCode).toBe(200);
  });

  it('rejects a token whose tenant part was swapped for another tenant', async () => {
    const forged =
      'ff_' +
      Buffer.concat([
        Buffer.from(other.id.replaceAll('-', ''), 'hex'),
        Buffer.from(acme.adminToken.slice(3), 'base64url').subarray(16),
      ]).toString('base64url');
    expect((await me(forged)).statusCode).toBe(401);
  });

  it('pages token lists; an admin may pick a person, anyone else sees only their own', async () => {
    const carol = await createPersonWith(t, acme, []);
    for (const name of ['laptop', 'phone', 'tablet']) {
      const issued = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/tokens',
        payload: { person_id: carol.id, name },
      });
      expect(issued.statusCode).toBe(201);
    }
    const first = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tokens?person_id=${carol.id}&page_size=2&sort=name`,
    });
    expect(first.statusCode, first.body).toBe(200);
    expect((first.data.data as { name: string }[]).map((tok) => tok.name)).toEqual([
      'laptop',
      'phone',
    ]);
    expect(first.data.pagination).toMatchObject({ total_count: 4, has_next: true });
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    const second = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/tokens?person_id=${carol.id}&page_size=2&sort=name&cursor=${cursor}`,
    });
    expect((second.data.data as { name: string }[]).map((tok) => tok.name)).toEqual([
      'tablet',
      'test',
    ]);

    const ownOnly = await call(t, carol.token, {
      method: 'GET',
      url: `/api/v1/tokens?person_id=${acme.adminId}`,
    });
    expect(ownOnly.statusCode).toBe(200);
    const owners = (ownOnly.data.data as { person_id: string }[]).map((tok) => tok.person_id);
    expect(new Set(owners)).toEqual(new Set([carol.id]));
  });
});
