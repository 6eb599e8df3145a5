import { randomUUID } from 'node:crypto';
import { get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { buildTestApp, call, onPostgres, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord } from '../../../test/records.js';
import { exportAuditEntries } from './export-audit-entries.js';
import { CSV_COLUMNS } from './export-formats.js';

/**
 * GET /api/v1/audit-logs/export (SPEC §7): the formats, the export's own entry, permission and
 * validation, a client that goes away, and 200,000 entries streamed in bounded memory.
 */

let t: TestApp;
let acme: TestTenant;
let baseUrl: string;

beforeAll(async () => {
  // One export at a time, as on the embedded database, so the limit is tested on PostgreSQL too.
  t = await buildTestApp({ env: { AUDIT_EXPORT_CONCURRENCY: '1' } });
  acme = await createTenant(t, 'Acme');
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

const exportOf = (token: string, query: string) =>
  call(t, token, { method: 'GET', url: `/api/v1/audit-logs/export?${query}` });

/** `count` UPDATED entries of a tenant, one a second from 2024-01-01, `metadata.seq` 1..count. */
async function seedEntries(tenantId: string, count: number, extra: Body = {}): Promise<void> {
  await withPlatformTxBypassingRls(t.database.db, (tx) =>
    sql`insert into audit_entries (tenant_id, id, correlation_id, event_type, entity_type,
        entity_id, actor_id, changes, metadata, ip_address, user_agent, created_at, retention_until)
      select ${tenantId}, gen_random_uuid(), gen_random_uuid(), 'UPDATED', 'work_order',
        gen_random_uuid(), null,
        jsonb_build_object('title', jsonb_build_object('old', 'Replace belt ' || g,
          'new', 'Replace both belts on air handler ' || g)),
        jsonb_build_object('seq', g, 'version', 2) || ${JSON.stringify(extra)}::jsonb,
        '10.1.2.3', 'Mozilla/5.0 (X11; Linux x86_64) facilityflow-test',
        timestamptz '2024-01-01T00:00:00Z' + g * interval '1 second',
        timestamptz '2100-01-01T00:00:00Z'
      from generate_series(1, ${count}::int) g`.execute(tx),
  );
}

/** A minimal RFC 4180 reader: quoted cells with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i += 1;
    } else {
      cell += c;
    }
  }
  return records;
}

describe('formats', () => {
  it('streams NDJSON oldest first, each line the entry the list returns, and audits itself', async () => {
    const ticket = await createRecord(t, acme.adminToken, 'tickets', { title: 'Dripping tap' });
    for (const title of ['Dripping taps', 'Dripping taps, 2nd floor']) {
      const patched = await call(t, acme.adminToken, {
        method: 'PATCH',
        url: `/api/v1/tickets/${ticket.id}`,
        payload: { title },
      });
      expect(patched.statusCode).toBe(200);
    }
    const response = await exportOf(acme.adminToken, `entity_id=${ticket.id}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="audit-log-\d{8}T\d{6}Z\.ndjson"$/,
    );
    const lines = response.body.split('\n');
    expect(lines.pop()).toBe('');
    const exported = lines.map((line) => JSON.parse(line) as Body);
    const listed = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/audit-logs?entity_id=${ticket.id}`,
    });
    expect(exported).toEqual([...(listed.data.data as Body[])].reverse());
    expect(exported.map((e) => e.event_type)).toEqual(['CREATED', 'UPDATED', 'UPDATED']);

    const own = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/audit-logs?entity_type=audit_export&correlation_id=${response.headers['x-correlation-id']}`,
    });
    expect(own.data.data).toEqual([
      expect.objectContaining({
        event_type: 'CREATED',
        entity_type: 'audit_export',
        entity_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        actor_id: acme.adminId,
        metadata: { format: 'ndjson', filters: { entity_id: ticket.id } },
      }),
    ]);
  });

  it('writes CSV with a header, RFC 4180 quoting and formulas defused', async () => {
    const tenant = await createTenant(t, 'Csv');
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`insert into audit_entries (tenant_id, correlation_id, event_type, entity_type, entity_id,
          changes, metadata, ip_address, user_agent, security_flags, created_at, retention_until)
        values (${tenant.id}, gen_random_uuid(), 'UPDATED', 'ticket', gen_random_uuid(),
          ${JSON.stringify({ title: { old: '=1+1', new: 'a, "b"\nc' } })}::jsonb,
          '{"note": "plain"}', '-1.2.3.4', '=HYPERLINK("http://evil.example","click")',
          '{REPEATED_DENIALS}', '2024-05-01T00:00:00Z', '2100-01-01T00:00:00Z')`.execute(tx),
    );
    const response = await exportOf(tenant.adminToken, 'format=csv&entity_type=ticket');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/filename="audit-log-.*\.csv"$/);
    expect(response.body.endsWith('\r\n')).toBe(true);
    const [header, row, ...rest] = parseCsv(response.body);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rest).toEqual([]);
    const cell = (column: string) => row![CSV_COLUMNS.indexOf(column as never)];
    expect(cell('user_agent')).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(cell('ip_address')).toBe("'-1.2.3.4");
    expect(JSON.parse(cell('changes')!)).toEqual({ title: { old: '=1+1', new: 'a, "b"\nc' } });
    expect(JSON.parse(cell('security_flags')!)).toEqual(['REPEATED_DENIALS']);
    expect(cell('created_at')).toBe('2024-05-01T00:00:00.000Z');
    expect(cell('actor_id')).toBe('');
    expect(cell('state_transition')).toBe('');
  });
});

describe('refusals', () => {
  it('has no HEAD twin, which would read the whole trail for nothing', async () => {
    const head = await call(t, acme.adminToken, {
      method: 'HEAD',
      url: '/api/v1/audit-logs/export?format=ndjson',
    });
    expect(head.statusCode).toBe(404);
    const own = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/audit-logs?correlation_id=${head.headers['x-correlation-id']}`,
    });
    expect(own.data.data).toEqual([]);
  });

  it('answers 403 with audit.view but not audit.export, and audits the denial', async () => {
    const viewer = await createPersonWith(t, acme, ['audit.view']);
    const denied = await exportOf(viewer.token, 'format=csv');
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['content-type']).toMatch(/^application\/json/);
    expect(denied.data.error).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { required_permission: 'audit.export' },
    });
    const entries = await call(t, viewer.token, {
      method: 'GET',
      url: `/api/v1/audit-logs?correlation_id=${denied.headers['x-correlation-id']}`,
    });
    expect(entries.data.data).toEqual([
      expect.objectContaining({
        event_type: 'PERMISSION_DENIED',
        permission_denial: expect.objectContaining({ required_permission: 'audit.export' }),
      }),
    ]);
  });

  it.each([
    'format=xml',
    'entity_id=nope',
    'event_type=BOOM',
    'from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z',
    // A valid date-time format, but an offset PostgreSQL refuses.
    `from=${encodeURIComponent('2024-01-01T00:00:00+23:59')}`,
    'page=2',
  ])('answers %s with the 400 envelope, and writes no export entry', async (query) => {
    const response = await exportOf(acme.adminToken, query);
    expect(response.statusCode).toBe(400);
    expect(response.data).toMatchObject({ error: { code: 'VALIDATION_ERROR' }, status: 400 });
    const own = await call(t, acme.adminToken, {
      method: 'GET',
      url: `/api/v1/audit-logs?correlation_id=${response.headers['x-correlation-id']}`,
    });
    expect(own.data.data).toEqual([]);
  });
});

/** Requests an export over the real socket; `onData` sees every chunk and may stop it. */
function stream(
  token: string,
  query: string,
  onData: (chunk: Buffer, response: IncomingMessage) => void,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = get(
      `${baseUrl}/api/v1/audit-logs/export?${query}`,
      { headers: { authorization: `Bearer ${token}` } },
      (response) => {
        response.on('data', (chunk: Buffer) => onData(chunk, response));
        response.on('end', () => resolve(response));
        response.on('close', () => resolve(response));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

describe('streaming', () => {
  const COUNT = 200_000;
  let big: TestTenant;

  beforeAll(async () => {
    big = await createTenant(t, 'Big');
    await seedEntries(big.id, COUNT);
  }, 300_000);

  it('ends the cursor and its transaction when the client goes away', async () => {
    let received = 0;
    await stream(big.adminToken, 'format=ndjson', (chunk, response) => {
      received += chunk.length;
      if (received > 1_000_000 && !response.destroyed) response.destroy();
    });
    expect(received).toBeGreaterThan(1_000_000);
    // On the embedded database's single connection, this waits for the export's transaction.
    const started = performance.now();
    const me = await call(t, big.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(200);
    expect(performance.now() - started).toBeLessThan(5000);
    if (onPostgres) {
      await expect
        .poll(
          async () => {
            const { rows } = await sql<{ n: number }>`
              select count(*)::int as n from pg_stat_activity
              where datname = current_database() and query ilike 'fetch % from audit_export'
                and state like 'idle in transaction%'`.execute(t.database.db);
            return rows[0]!.n;
          },
          { timeout: 5000 },
        )
        .toBe(0);
    }
  }, 60_000);

  it('streams one export at a time here, answering the next 429 with Retry-After', async () => {
    // A client that takes the headers and stops reading: its export waits, holding its slot.
    const first = await new Promise<IncomingMessage>((resolve, reject) => {
      get(
        `${baseUrl}/api/v1/audit-logs/export?format=ndjson`,
        { headers: { authorization: `Bearer ${big.adminToken}` } },
        (response) => {
          response.pause();
          resolve(response);
        },
      ).on('error', reject);
    });
    expect(first.statusCode).toBe(200);
    const refused = await exportOf(acme.adminToken, 'format=ndjson');
    expect(refused.statusCode, refused.body).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.data).toMatchObject({ error: { code: 'RATE_LIMITED' }, status: 429 });
    first.destroy();
    await expect
      .poll(async () => (await exportOf(acme.adminToken, 'format=csv')).statusCode, {
        timeout: 10_000,
      })
      .toBe(200);
    const exports = await call(t, acme.adminToken, {
      method: 'GET',
      url: '/api/v1/audit-logs?entity_type=audit_export',
    });
    // The refused request wrote no export entry; the one that streamed did.
    expect((exports.data.data as Body[]).map((entry) => entry.correlation_id)).not.toContain(
      refused.headers['x-correlation-id'],
    );
  });

  it('stops an export whose client stops reading, and frees its connection', async () => {
    const ctx = {
      db: t.database.db,
      tenantId: big.id,
      tenant: {
        retentionDays: 90,
        requireIfMatch: false,
        piiKeys: [],
        plan: 'standard' as const,
        rateLimits: {},
      },
      actorId: big.adminId,
      tokenId: randomUUID(),
      tokenExpiresAt: null,
      permissions: new Set(['audit.export']),
      correlationId: randomUUID(),
      ipAddress: null,
      userAgent: null,
      cursorKey: Buffer.alloc(32),
    };
    const logged: string[] = [];
    const log = { info: (_: object, message: string) => logged.push(message), error: () => {} };
    // Nobody reads the body: the first batch fills its buffer, and the export waits for drain.
    const { body } = await exportAuditEntries(ctx, { format: 'ndjson' }, log, 300);
    await expect.poll(() => body.destroyed, { timeout: 10_000 }).toBe(true);
    expect(logged).toEqual(['audit export ended by the client']);
    const me = await call(t, big.adminToken, { method: 'GET', url: '/api/v1/me' });
    expect(me.statusCode).toBe(200);
  });

  it(`streams ${COUNT.toLocaleString('en')} entries exactly once each, in bounded memory`, async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // What the process holds: the live JS heap (after a collection, so garbage awaiting one is
    // not counted) plus array buffers, where Buffers queued on a stream would sit. PGlite's wasm
    // memory is an array buffer too, sized by the database (seeding grew it; a read cursor
    // does not): its size before is reported, and only growth is compared.
    const held = () => {
      gc();
      const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
      return { live: heapUsed + arrayBuffers, arrayBuffers, rss };
    };
    const before = held();
    let peak = before;
    const sample = setInterval(() => {
      const now = held();
      if (now.live > peak.live) peak = now;
    }, 200);

    const seen = new Uint8Array(COUNT + 1);
    let lines = 0;
    let duplicates = 0;
    let bytes = 0;
    let rest = '';
    let lastSeq = 0;
    let outOfOrder = 0;
    const started = performance.now();
    try {
      const response = await stream(big.adminToken, 'format=ndjson', (chunk) => {
        bytes += chunk.length;
        const text = rest + chunk.toString('utf8');
        const parts = text.split('\n');
        rest = parts.pop()!;
        for (const line of parts) {
          const entry = JSON.parse(line) as { metadata: { seq?: number } };
          lines += 1;
          const seq = entry.metadata.seq;
          if (seq === undefined) continue;
          if (seen[seq]) duplicates += 1;
          seen[seq] = 1;
          if (seq < lastSeq) outOfOrder += 1;
          lastSeq = seq;
        }
      });
      expect(response.statusCode).toBe(200);
      expect(response.complete).toBe(true);
    } finally {
      clearInterval(sample);
    }
    const seconds = (performance.now() - started) / 1000;
    const growth = peak.live - before.live;
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    process.stdout.write(
      `export of ${COUNT} entries (${t.database.kind}): ${mb(bytes)} in ${seconds.toFixed(1)} s; ` +
        `held (heap + array buffers) grew ${mb(growth)} at most, from ${mb(before.live)} ` +
        `(array buffers ${mb(before.arrayBuffers)}); rss at that peak ${mb(peak.rss - before.rss)} above\n`,
    );
    expect(rest).toBe('');
    expect(duplicates).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(seen.subarray(1).every((flag) => flag === 1)).toBe(true);
    // The seeded entries and the tenant's own (its creation, this export).
    expect(lines).toBeGreaterThanOrEqual(COUNT);
    expect(lines).toBeLessThan(COUNT + 10);
    expect(bytes).toBeGreaterThan(100_000_000);
    // Constant memory: a batch of rows and the socket's buffers, not the response.
    expect(growth).toBeLessThan(bytes / 4);
    expect(growth).toBeLessThan(32_000_000);
  }, 300_000);
});
