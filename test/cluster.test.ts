import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePlatformAdminToken } from '../src/platform/auth/tokens.js';
import { openDatabase, type Database } from '../src/platform/db/database.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';
import { onPostgres, onRedis, removeKeys } from './app.js';
import { api, runWriteLoad } from './cluster-write-load.js';
import {
  launchServer,
  startServers,
  type ServerCluster,
  type ServerProcess,
} from './server-processes.js';

/**
 * Three `facilityflow serve` processes on one PostgreSQL database and one Redis, driven over HTTP
 * only (SPEC §2: nothing another process needs is kept in a process). They run on a database of
 * their own, so that their jobs (sealing, purging every tenant) never touch the suite's tenants.
 */
const USER_LIMIT = 10;
const ANONYMOUS_LIMIT = 6;

/**
 * A database beside DATABASE_URL's, named after it, dropped again by `drop`. Those that runs
 * killed before their `drop` left behind are dropped first, unless still in use.
 */
async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL!);
  const prefix = `${base.pathname.slice(1)}_c_`;
  const name = `${prefix}${randomUUID().slice(0, 8)}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: base.toString() });
    await client.connect();
    try {
      return (await client.query<{ datname: string }>(statement)).rows;
    } finally {
      await client.end();
    }
  };
  const stale = (await admin('select datname from pg_database')).filter(
    ({ datname }) =>
      datname.startsWith(prefix) && /^[0-9a-f]{8}$/.test(datname.slice(prefix.length)),
  );
  for (const { datname } of stale) {
    // A run going on beside this one still has its database open: that drop fails, and is left.
    await admin(`drop database if exists "${datname}"`).catch(() => undefined);
  }
  await admin(`create database "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin(`drop database if exists "${name}" with (force)`);
    },
  };
}

describe.runIf(onPostgres && onRedis)(
  'three server processes on one database and Redis (only with DATABASE_URL and REDIS_URL set)',
  () => {
    let scratch: Awaited<ReturnType<typeof scratchDatabase>>;
    let database: Database;
    let cluster: ServerCluster;
    let a: ServerProcess, b: ServerProcess, c: ServerProcess;
    let tenant: { id: string; token: string };
    const redisPrefix = `test:${randomUUID()}:`;
    let serverEnv: Record<string, string>;

    beforeAll(async () => {
      scratch = await scratchDatabase();
      database = await openDatabase({ kind: 'postgres', url: scratch.url, poolSize: 2 });
      // Once here, rather than by three processes racing for the migration lock.
      await migrateToLatest(database.db);
      const adminToken = generatePlatformAdminToken();
      serverEnv = {
        DATABASE_URL: scratch.url,
        REDIS_URL: process.env.REDIS_URL!,
        // The suite's other files share this Redis: the per-address counter of 127.0.0.1 too.
        REDIS_KEY_PREFIX: redisPrefix,
        // A busy CI machine can hold a call past the default 250 ms; a process that then falls
        // back to counting on its own for a second would break the shared-limit counts below.
        REDIS_TIMEOUT_MS: '3000',
        FACILITYFLOW_ADMIN_TOKEN: adminToken,
        LOG_LEVEL: 'warn',
        JOBS_ENABLED: 'true',
        SEARCH_RATE_LIMIT_USER: String(USER_LIMIT),
        SEARCH_RATE_LIMIT_ANONYMOUS: String(ANONYMOUS_LIMIT),
        BULK_RATE_LIMIT: '1000',
      };
      cluster = await startServers(3, serverEnv);
      [a, b, c] = cluster.servers as [ServerProcess, ServerProcess, ServerProcess];
      const created = await api(a, adminToken, 'POST', '/api/v1/tenants', {
        name: 'Cluster Facilities',
        slug: `cluster-${randomUUID().slice(0, 8)}`,
        admin: { login: 'admin', name: 'Ada Admin' },
      });
      expect(created.status, JSON.stringify(created.data)).toBe(201);
      tenant = {
        id: (created.data.tenant as { id: string }).id,
        token: (created.data.token as { token: string }).token,
      };
    });

    afterAll(async () => {
      await cluster?.stop();
      await database?.close();
      await scratch?.drop();
      const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: redisPrefix });
      await removeKeys(redis, redisPrefix);
      redis.disconnect();
    });

    const createTicket = async (server: ServerProcess, title: string) => {
      const created = await api(server, tenant.token, 'POST', '/api/v1/tickets', { title });
      expect(created.status, JSON.stringify(created.data)).toBe(201);
      return created.data as { id: string; version: number };
    };

    it('shares a person’s search limit and an address’s limit across the processes', async () => {
      const person = await personWith(b, tenant.token, ['search.use']);
      const servers = [a, b, c];
      const searches = await Promise.all(
        Array.from({ length: 2 * USER_LIMIT }, (_, i) =>
          api(servers[i % 3]!, person, 'GET', '/api/v1/search?q=boiler'),
        ),
      );
      const statuses = searches.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 200)).toHaveLength(USER_LIMIT);
      expect(statuses.filter((status) => status === 429)).toHaveLength(USER_LIMIT);
      for (const refused of searches.filter((answer) => answer.status === 429)) {
        expect(refused.data.error).toMatchObject({ code: 'RATE_LIMITED' });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // Without a token, counted by address before authentication: 401 within the limit.
      const anonymous = await Promise.all(
        Array.from({ length: ANONYMOUS_LIMIT + 6 }, (_, i) =>
          api(servers[i % 3]!, null, 'GET', '/api/v1/search?q=boiler'),
        ),
      );
      const anonymousStatuses = anonymous.map((answer) => answer.status);
      expect(anonymousStatuses.filter((status) => status === 401)).toHaveLength(ANONYMOUS_LIMIT);
      expect(anonymousStatuses.filter((status) => status === 429)).toHaveLength(6);
    });

    it('shows a write on one process in the next search on every other', async () => {
      const search = async (server: ServerProcess) => {
        const answer = await api(server, tenant.token, 'GET', '/api/v1/search?q=quasar');
        expect(answer.status, JSON.stringify(answer.data)).toBe(200);
        const titles = (answer.data.data as { title: string }[]).map((r) => r.title).sort();
        return { fromCache: answer.data.from_cache, titles };
      };
      await createTicket(a, 'Quasar valve');
      expect(await search(a)).toEqual({ fromCache: false, titles: ['Quasar valve'] });
      expect(await search(a)).toEqual({ fromCache: true, titles: ['Quasar valve'] });
      expect(await search(c)).toEqual({ fromCache: true, titles: ['Quasar valve'] });

      await createTicket(b, 'Quasar pump');
      expect(await search(c)).toEqual({
        fromCache: false,
        titles: ['Quasar pump', 'Quasar valve'],
      });
      // A's own cached page is stale now: it answers with the new one (C's, through Redis).
      expect((await search(a)).titles).toEqual(['Quasar pump', 'Quasar valve']);
    });

    it('applies an Idempotency-Key once whichever processes receive it', async () => {
      const ids: string[] = [];
      for (const server of [a, b, c]) ids.push((await createTicket(server, 'Lift alarm')).id);
      const key = randomUUID();
      const raise = (server: ServerProcess, priority: string) =>
        api(
          server,
          tenant.token,
          'POST',
          '/api/v1/tickets/bulk/update-priority',
          { ids, priority },
          { 'idempotency-key': key },
        );
      const concurrent = await Promise.all([a, b, c, a, b].map((server) => raise(server, 'HIGH')));
      const replayed = await raise(c, 'HIGH');
      const bodies = [...concurrent, replayed].map((answer) => {
        expect(answer.status, JSON.stringify(answer.data)).toBe(200);
        return JSON.stringify(answer.data);
      });
      expect(new Set(bodies).size).toBe(1);
      expect(replayed.data).toMatchObject({ successful_items: 3, failed_items: 0 });

      const reused = await raise(b, 'LOW');
      expect(reused.status).toBe(422);
      expect(reused.data.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

      for (const id of ids) {
        const ticket = await api(a, tenant.token, 'GET', `/api/v1/tickets/${id}`);
        expect(ticket.data).toMatchObject({ priority: 'HIGH', version: 2 });
      }
      const correlationId = replayed.data.audit_correlation_id as string;
      const entries = await api(
        c,
        tenant.token,
        'GET',
        `/api/v1/audit-logs?correlation_id=${correlationId}&page_size=100`,
      );
      const types = (entries.data.data as { event_type: string }[]).map((e) => e.event_type).sort();
      expect(types).toEqual(['BULK_OPERATION', 'UPDATED', 'UPDATED', 'UPDATED']);
    });

    it('lets exactly one of concurrent updates at one version win across the processes', async () => {
      const { id } = await createTicket(a, 'Chiller leak');
      const servers = [a, b, c];
      // Half name the version in the body (409 when stale), half in If-Match (412).
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2 === 0
            ? api(servers[i % 3]!, tenant.token, 'PATCH', `/api/v1/tickets/${id}`, {
                title: `Chiller leak ${i}`,
                version: 1,
              })
            : api(
                servers[i % 3]!,
                tenant.token,
                'PATCH',
                `/api/v1/tickets/${id}`,
                { title: `Chiller leak ${i}` },
                { 'if-match': '"1"' },
              ),
        ),
      );
      const winners = answers.flatMap((answer, i) => (answer.status === 200 ? [i] : []));
      expect(winners).toHaveLength(1);
      answers.forEach((answer, i) => {
        if (i === winners[0]) return;
        expect(answer.status).toBe(i % 2 === 0 ? 409 : 412);
        expect(answer.data.error).toMatchObject({ code: 'CONCURRENCY_ERROR', current_version: 2 });
      });
      const ticket = await api(b, tenant.token, 'GET', `/api/v1/tickets/${id}`);
      expect(ticket.data).toMatchObject({ version: 2, title: `Chiller leak ${winners[0]}` });
      const history = await api(c, tenant.token, 'GET', `/api/v1/tickets/${id}/history`);
      const types = (history.data.data as { event_type: string }[]).map((e) => e.event_type);
      expect(types).toEqual(['UPDATED', 'CREATED']);
    });

    it('seals what every process wrote through a process’s own sealing job', async () => {
      for (const server of [a, b, c]) await createTicket(server, 'Sealed gate');
      const verify = async () => {
        const answer = await api(b, tenant.token, 'GET', '/api/v1/audit-logs/verify');
        expect(answer.status, JSON.stringify(answer.data)).toBe(200);
        return answer.data as { ok: boolean; unsealed_entries: number; entries_checked: number };
      };
      const before = await verify();
      expect(before.unsealed_entries).toBeGreaterThan(0);
      const listed = await api(c, tenant.token, 'GET', '/api/v1/audit-logs?page_size=1');
      const total = (listed.data.pagination as { total_count: number }).total_count;

      // The schedule fires once a minute: queue a run of the processes' job now instead. The
      // sealer leaves the last second's entries for the next run, so queue until all are in.
      const boss = new PgBoss({ connectionString: scratch.url, supervise: false, schedule: false });
      await boss.start();
      try {
        await expect
          .poll(
            async () => {
              await boss.send('audit-seal', {});
              return verify();
            },
            { timeout: 20_000, interval: 1_000 },
          )
          .toMatchObject({ ok: true, unsealed_entries: 0, entries_checked: total });
      } finally {
        await boss.stop({ graceful: false });
      }
    });

    it('exits cleanly when stopped while its jobs are starting', async () => {
      // It listens, then starts its jobs: a SIGTERM in between waits for them and stops them
      // before the database closes, rather than closing it under them.
      const server = launchServer({ ...serverEnv, LOG_LEVEL: 'info' });
      try {
        await expect
          .poll(() => server.output(), { interval: 5, timeout: 20_000 })
          .toContain('Server listening');
        server.signal('SIGTERM');
        expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
      } finally {
        await server.stop();
      }
    });

    it('loses no acknowledged write and half-applies none when a process stops under load', async () => {
      const load = await runWriteLoad([a, b, c], tenant.token, {
        clients: 9,
        durationMs: 4_000,
        stop: { server: c, afterMs: 1_200 },
      });
      expect(await c.exited, c.output()).toEqual({ code: 0, signal: null });
      const attempts = load.attempts;
      // The processes answered every request they took: no 500 from a closed database.
      const unexpected = attempts.filter(
        (x) => x.status !== undefined && x.status >= 300 && x.status !== 503,
      );
      expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);
      // Requests in flight on the stopping process were finished, not dropped.
      expect(load.finishedAfterStop).toBeGreaterThan(0);
      const ok = attempts.filter((x) => x.status !== undefined && x.status < 300);
      expect(ok.length).toBeGreaterThan(50);
      expect(ok.filter((x) => x.server === c.url).length).toBeGreaterThan(0);
      expect(ok.filter((x) => x.server !== c.url && x.at > load.stoppedAt).length).toBeGreaterThan(
        0,
      );

      const { rows: tickets } = await sql<{
        id: string;
        version: number;
        status: string;
        description: string | null;
        entries: number;
        created: number;
      }>`
      select t.id, t.version, t.status, t.description,
        (select count(*)::int from audit_entries e where e.tenant_id = t.tenant_id
          and e.entity_id = t.id) as entries,
        (select count(*)::int from audit_entries e where e.tenant_id = t.tenant_id
          and e.entity_id = t.id and e.event_type = 'CREATED') as created
      from tickets t where t.tenant_id = ${tenant.id} and t.title like 'Load %'`.execute(
        database.db,
      );
      const { rows: entries } = await sql<{ correlation_id: string; entity_id: string }>`
      select correlation_id, entity_id from audit_entries
      where tenant_id = ${tenant.id} and entity_type = 'ticket'`.execute(database.db);
      const byCorrelation = new Map(entries.map((e) => [e.correlation_id, e.entity_id]));
      const byId = new Map(tickets.map((t) => [t.id, t]));

      // Every change with its entry, every entry with its change: one entry per version.
      for (const ticket of tickets) {
        expect(ticket, 'entries per version').toMatchObject({
          entries: ticket.version,
          created: 1,
        });
      }
      const { rows: orphans } = await sql<{ id: string }>`
      select e.id from audit_entries e
      where e.tenant_id = ${tenant.id} and e.entity_type = 'ticket'
        and e.event_type in ('CREATED', 'UPDATED', 'STATE_CHANGED')
        and not exists (select 1 from tickets t where t.tenant_id = e.tenant_id and t.id = e.entity_id)`.execute(
        database.db,
      );
      expect(orphans).toEqual([]);
      // Every acknowledged write is there, with its entry under the request's correlation id.
      for (const attempt of ok) {
        expect(byCorrelation.get(attempt.correlationId), attempt.kind).toBe(attempt.ticketId);
      }
      // A refused connection or a 503 left nothing behind.
      for (const attempt of attempts.filter((x) => x.outcome === 'refused')) {
        expect(byCorrelation.has(attempt.correlationId)).toBe(false);
      }
      // Tickets whose every write was answered are exactly as the answers said.
      for (const [id, expected] of load.tickets) {
        expect(byId.get(id)).toMatchObject(expected);
      }
      expect(load.tickets.size).toBeGreaterThan(0);
    });
  },
);

async function personWith(server: ServerProcess, adminToken: string, permissions: string[]) {
  const suffix = randomUUID().slice(0, 8);
  const role = await api(server, adminToken, 'POST', '/api/v1/roles', {
    name: `role-${suffix}`,
    permissions,
  });
  const person = await api(server, adminToken, 'POST', '/api/v1/people', {
    login: `person-${suffix}`,
    name: `Person ${suffix}`,
    role_ids: [role.data.id],
  });
  const token = await api(server, adminToken, 'POST', '/api/v1/tokens', {
    person_id: person.data.id,
    name: 'cluster',
  });
  expect(token.status, JSON.stringify(token.data)).toBe(201);
  return token.data.token as string;
}
