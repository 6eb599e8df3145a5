import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import {
  createPersonWith,
  createTenant,
  type TestPerson,
  type TestTenant,
} from '../../../test/factories.js';
import { withPlatformTxBypassingRls, withTenantTx, type Tx } from '../db/transactions.js';
import { recordAudit, type AuditEvent } from './record-audit.js';
import { REDACTED } from './redaction.js';

let t: TestApp;
let tenant: TestTenant;
let intruder: TestPerson;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
  intruder = await createPersonWith(t, tenant, ['work_orders.view']);
  expect((await createPersonAs(intruder.token, { login: 'intrusion' })).statusCode).toBe(403);
});
afterAll(() => t.close());

const platform = <T>(work: (tx: Tx) => Promise<T>) =>
  withPlatformTxBypassingRls(t.database.db, work);

function createPersonAs(token: string, payload: Record<string, unknown>, correlationId?: string) {
  return call(t, token, {
    method: 'POST',
    url: '/api/v1/people',
    headers: correlationId ? { 'x-correlation-id': correlationId } : {},
    payload: { name: 'Someone', ...payload },
  });
}

function entriesOf(tenantId: string, entityId: string) {
  return platform((tx) =>
    tx
      .selectFrom('audit_entries')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('entity_id', '=', entityId)
      .orderBy('created_at')
      .execute(),
  );
}

class RolledBack extends Error {}

/**
 * Runs `statement` as the app role (tenant transaction) or the table owner (platform transaction),
 * always rolling back; returns the database's refusal, or null when the statement went through.
 */
async function refusalOf(
  as: 'app' | 'owner',
  statement: RawBuilder<unknown>,
  { purge = false } = {},
): Promise<string | null> {
  const work = async (tx: Tx) => {
    if (purge) await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
    await statement.execute(tx);
    throw new RolledBack();
  };
  try {
    await (as === 'app'
      ? withTenantTx({ db: t.database.db, tenantId: tenant.id }, work)
      : platform(work));
    throw new Error('unreachable');
  } catch (error) {
    if (error instanceof RolledBack) return null;
    return (error as Error).message;
  }
}

const REFUSAL = { app: /permission denied/, owner: /append-only/ };

describe('audit tables are append-only', () => {
  const statements = (table: string) => ({
    UPDATE: sql`update ${sql.table(table)} set tenant_id = tenant_id where tenant_id = ${tenant.id}`,
    DELETE: sql`delete from ${sql.table(table)} where tenant_id = ${tenant.id}`,
  });

  it.each(
    (['UPDATE', 'DELETE'] as const).flatMap((operation) =>
      (['app', 'owner'] as const).map((as) => ({ table: 'audit_entries', operation, as })),
    ),
  )('refuses $operation on $table as the $as role', async ({ table, operation, as }) => {
    const before = await platform((tx) =>
      sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
        where tenant_id = ${tenant.id}`.execute(tx),
    );
    expect(before.rows[0]!.n).toBeGreaterThan(0);
    expect(await refusalOf(as, statements(table)[operation])).toMatch(REFUSAL[as]);
  });

  it.each([
    { as: 'owner' as const, table: 'audit_entries' },
    { as: 'app' as const, table: 'audit_entries' },
  ])('refuses TRUNCATE $table as the $as role', async ({ as, table }) => {
    expect(await refusalOf(as, sql`truncate ${sql.raw(table)}`)).toMatch(REFUSAL[as]);
  });

  it('still refuses UPDATE with the purge switch on', async () => {
    const update = sql`update audit_entries set entity_type = 'x' where tenant_id = ${tenant.id}`;
    expect(await refusalOf('owner', update, { purge: true })).toMatch(REFUSAL.owner);
  });

  it('does not let a tenant transaction purge', async () => {
    const purge = sql`delete from audit_entries where tenant_id = ${tenant.id}`;
    expect(await refusalOf('app', purge, { purge: true })).toMatch(REFUSAL.app);
  });

  it('lets the retention purge delete an expired entry and its detail, and nothing younger', async () => {
    const [unexpired] = await platform((tx) =>
      tx
        .selectFrom('audit_entries')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('actor_id', '=', intruder.id)
        .where('event_type', '=', 'PERMISSION_DENIED')
        .execute(),
    );
    expect(unexpired).toBeDefined();
    const purgeOf = (id: string) =>
      platform(async (tx) => {
        await sql`select set_config('app.audit_purge', 'on', true)`.execute(tx);
        return tx
          .deleteFrom('audit_entries')
          .where('tenant_id', '=', tenant.id)
          .where('id', '=', id)
          .returning('id')
          .execute();
      });
    await expect(purgeOf(unexpired!.id)).rejects.toThrow(/append-only/);
    // An entry past its retention, as the years would leave it.
    const denial = { id: randomUUID() };
    await platform((tx) =>
      sql`insert into audit_entries
        (tenant_id, id, correlation_id, event_type, entity_type, created_at, retention_until,
         permission_denial)
        values (${tenant.id}, ${denial.id}, ${randomUUID()}, 'PERMISSION_DENIED', 'permission',
          now() - interval '100 days', now() - interval '10 days',
          '{"required_permission": "sites.manage", "action_attempted": "create a site",
            "risk_level": "LOW"}')`.execute(tx),
    );
    const deleted = await purgeOf(denial.id);
    expect(deleted).toEqual([{ id: denial!.id }]);
    const left = await platform((tx) =>
      tx
        .selectFrom('audit_entries')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('id', '=', denial!.id)
        .execute(),
    );
    expect(left).toEqual([]);
    const plainDelete = sql`delete from audit_entries where tenant_id = ${tenant.id}`;
    expect(await refusalOf('owner', plainDelete)).toMatch(REFUSAL.owner);
  });
});

describe('personal data is redacted before it is stored', () => {
  it('keeps the name but not the e-mail or phone of a new person', async () => {
    const response = await createPersonAs(tenant.adminToken, {
      login: 'grace',
      name: 'Grace Hopper',
      email: 'grace@example.com',
      phone: '+1 202 555 0147',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.data).toMatchObject({ email: 'grace@example.com', phone: '+1 202 555 0147' });
    const entries = await entriesOf(tenant.id, response.data.id as string);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.event_type).toBe('CREATED');
    expect(entries[0]!.changes).toMatchObject({
      login: { old: null, new: 'grace' },
      name: { old: null, new: 'Grace Hopper' },
      email: { old: null, new: REDACTED },
      phone: { old: null, new: REDACTED },
    });
    const stored = JSON.stringify(entries);
    expect(stored).not.toContain('grace@example.com');
    expect(stored).not.toContain('555 0147');
  });

  it('redacts an e-mail address changed by PATCH', async () => {
    const created = await createPersonAs(tenant.adminToken, {
      login: 'linus',
      email: 'linus@example.com',
    });
    const id = created.data.id as string;
    const updated = await call(t, tenant.adminToken, {
      method: 'PATCH',
      url: `/api/v1/people/${id}`,
      payload: { email: 'linus.t@example.org', name: 'Linus', version: 1 },
    });
    expect(updated.statusCode, updated.body).toBe(200);
    const update = (await entriesOf(tenant.id, id)).find((e) => e.event_type === 'UPDATED');
    expect(update?.changes).toEqual({
      email: { old: REDACTED, new: REDACTED },
      name: { old: 'Someone', new: 'Linus' },
    });
    expect(JSON.stringify(update)).not.toMatch(/linus(\.t)?@example/);
  });

  it('redacts e-mail addresses in free text', async () => {
    const response = await createPersonAs(tenant.adminToken, {
      login: 'ada-l',
      name: 'Ada (ada.l@example.org)',
    });
    expect(response.statusCode, response.body).toBe(201);
    const [entry] = await entriesOf(tenant.id, response.data.id as string);
    const name = (entry!.changes as Record<string, { new: string }>).name!.new;
    expect(name).toContain('Ada');
    expect(name).not.toContain('ada.l@example.org');
  });

  it('redacts nested keys: the admin e-mail inside the tenant creation entry', async () => {
    const entries = await entriesOf(tenant.id, tenant.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.changes).toMatchObject({ admin: { new: { email: REDACTED } } });
    const all = await platform((tx) =>
      tx.selectFrom('audit_entries').selectAll().where('tenant_id', '=', tenant.id).execute(),
    );
    expect(JSON.stringify(all)).not.toContain('ada@example.com');
  });

  it("redacts the tenant's extra PII keys", async () => {
    const other = await createTenant(t);
    await platform((tx) =>
      tx
        .updateTable('tenants')
        .set({ pii_keys: ['login'] })
        .where('id', '=', other.id)
        .execute(),
    );
    const response = await createPersonAs(other.adminToken, { login: 'secret-login' });
    expect(response.statusCode, response.body).toBe(201);
    const [entry] = await entriesOf(other.id, response.data.id as string);
    expect(entry!.changes).toMatchObject({
      login: { old: null, new: REDACTED },
      name: { new: 'Someone' },
    });
  });
});

describe('one entry and several', () => {
  // A single entry travels as parameters of its own, several as one JSON document: both must
  // store the same thing.
  it('stores an entry alone as it stores it among others', async () => {
    const entityId = randomUUID();
    const source = {
      tenantId: tenant.id,
      correlationId: randomUUID(),
      actorId: tenant.adminId,
      ipAddress: '10.0.0.7',
      userAgent: 'Bücherei "Nord" \\ client',
      tenant: { retentionDays: 30, piiKeys: ['badge'] },
    };
    const event: AuditEvent = {
      eventType: 'STATE_CHANGED',
      entityType: 'ticket',
      entityId,
      changes: { status: { old: 'OPEN', new: 'INPROGRESS' }, badge: { old: null, new: 'B-7' } },
      metadata: { tags: ['a', 'b'], note: 'call 9876543210 or ada@example.com', nested: { n: 1 } },
      securityFlags: ['REPEATED_DENIALS', 'with,comma'],
      stateTransition: {
        fromState: 'OPEN',
        toState: 'INPROGRESS',
        transitionReason: "it's {quoted} and ünïcode",
        transitionDurationSeconds: 1.5,
      },
    };
    const bulk: AuditEvent = {
      eventType: 'BULK_OPERATION',
      entityType: 'ticket',
      entityId: null,
      bulkOperation: {
        operationType: 'transition',
        totalItems: 2,
        successfulItems: 1,
        failedItems: 1,
        failureDetails: { [entityId]: 'VALIDATION_ERROR' },
        executionTimeMs: 12,
        wasRolledBack: false,
      },
    };
    const scope = { db: t.database.db, tenantId: tenant.id };
    const alone = await withTenantTx(scope, (tx) => recordAudit(tx, source, event));
    const amongOthers = await withTenantTx(scope, (tx) => recordAudit(tx, source, event, bulk));
    const stored = await platform((tx) =>
      tx
        .selectFrom('audit_entries')
        .selectAll()
        .where('tenant_id', '=', tenant.id)
        .where('id', 'in', [...alone, ...amongOthers])
        .execute(),
    );
    const byId = new Map(stored.map((entry) => [entry.id, entry]));
    const comparable = (id: string) => {
      const { id: _id, created_at, retention_until, ...columns } = byId.get(id)!;
      const keptDays = (retention_until.getTime() - created_at.getTime()) / 86_400_000;
      return { ...columns, keptDays };
    };
    expect(comparable(alone[0]!)).toEqual(comparable(amongOthers[0]!));
    expect(comparable(alone[0]!)).toMatchObject({
      user_agent: 'Bücherei "Nord" \\ client',
      security_flags: ['REPEATED_DENIALS', 'with,comma'],
      changes: { badge: { old: null, new: REDACTED } },
      metadata: { note: `call ${REDACTED} or ${REDACTED}` },
      state_transition: { transition_reason: "it's {quoted} and ünïcode" },
      bulk_operation: null,
      keptDays: 30,
    });
    expect(comparable(amongOthers[1]!)).toMatchObject({
      event_type: 'BULK_OPERATION',
      bulk_operation: { failure_details: { [entityId]: 'VALIDATION_ERROR' } },
      state_transition: null,
    });
  });
});

describe('retention', () => {
  /** For each entry of the entity: is retention_until exactly `days` after created_at? */
  async function keptFor(days: number, tenantId: string, entityId: string) {
    return platform(async (tx) => {
      const { rows } = await sql<{ exact: boolean }>`
        select retention_until = created_at + make_interval(days => ${days}) as exact
        from audit_entries where tenant_id = ${tenantId} and entity_id = ${entityId}`.execute(tx);
      return rows.map((row) => row.exact);
    });
  }

  it('keeps entries for 90 days by default', async () => {
    const response = await createPersonAs(tenant.adminToken, { login: 'retained' });
    expect(await keptFor(90, tenant.id, response.data.id as string)).toEqual([true]);
    expect(await keptFor(90, tenant.id, tenant.id)).toEqual([true]);
  });

  it("follows the tenant's retention_days", async () => {
    const other = await createTenant(t);
    await platform((tx) =>
      tx.updateTable('tenants').set({ retention_days: 400 }).where('id', '=', other.id).execute(),
    );
    const response = await createPersonAs(other.adminToken, { login: 'long-kept' });
    expect(await keptFor(400, other.id, response.data.id as string)).toEqual([true]);
  });
});

describe('permission denials', () => {
  async function denialOf(correlationId: string) {
    return platform((tx) =>
      tx
        .selectFrom('audit_entries as e')
        .where('e.permission_denial', 'is not', null)
        .select([
          'e.tenant_id',
          'e.event_type',
          'e.entity_type',
          'e.actor_id',
          sql<string>`e.permission_denial->>'required_permission'`.as('required_permission'),
          sql<string>`e.permission_denial->>'action_attempted'`.as('action_attempted'),
          sql<string>`e.permission_denial->>'risk_level'`.as('risk_level'),
        ])
        .where('e.correlation_id', '=', correlationId)
        .execute(),
    );
  }

  it('audits each 403 and raises the risk as the same actor keeps trying', async () => {
    const clerk = await createPersonWith(t, tenant, ['work_orders.view']);
    const levels: string[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const correlationId = randomUUID();
      const response = await createPersonAs(
        clerk.token,
        { login: `denied-${attempt}` },
        correlationId,
      );
      expect(response.statusCode, response.body).toBe(403);
      expect(response.data).toEqual({
        error: {
          code: 'PERMISSION_DENIED',
          message: expect.any(String),
          details: { required_permission: 'people.manage' },
        },
        status: 403,
      });
      const denials = await denialOf(correlationId);
      expect(denials).toEqual([
        {
          tenant_id: tenant.id,
          event_type: 'PERMISSION_DENIED',
          entity_type: expect.any(String),
          actor_id: clerk.id,
          required_permission: 'people.manage',
          action_attempted: 'POST /api/v1/people',
          risk_level: expect.any(String),
        },
      ]);
      levels.push(denials[0]!.risk_level);
    }
    expect(levels).toEqual(['LOW', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'MEDIUM', 'HIGH']);
    const created = await platform((tx) =>
      tx
        .selectFrom('people')
        .select('id')
        .where('tenant_id', '=', tenant.id)
        .where('login', 'like', 'denied-%')
        .execute(),
    );
    expect(created).toEqual([]);
  });

  it("does not count another actor's denials", async () => {
    const newcomer = await createPersonWith(t, tenant, []);
    const correlationId = randomUUID();
    const response = await createPersonAs(newcomer.token, { login: 'newcomer' }, correlationId);
    expect(response.statusCode).toBe(403);
    expect((await denialOf(correlationId)).map((denial) => denial.risk_level)).toEqual(['LOW']);
  });
});
