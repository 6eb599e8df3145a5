import { randomUUID } from 'node:crypto';
import { sql, type CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueToken } from '../src/platform/auth/tokens.js';
import { withPlatformTxBypassingRls } from '../src/platform/db/transactions.js';
import { buildTestApp, call, onRedis, type TestApp } from './app.js';
import { createPersonWith, createTenant, type TestTenant } from './factories.js';

/** SPEC §9 rate limits on the search routes: counted before authentication, per IP or person. */
let t: TestApp;
let acme: TestTenant;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
});
afterAll(() => t.close());

const anonymous = (app: TestApp, ip: string, headers: Record<string, string> = {}) =>
  app.app.inject({ method: 'GET', url: '/api/v1/search?q=boiler', remoteAddress: ip, headers });
const asPerson = (app: TestApp, token: string) =>
  call(app, token, { method: 'GET', url: '/api/v1/search?q=boiler' });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Counts the token lookups (authenticate_token) the app's database runs. */
function countLookups(app: TestApp): { count: () => number; restore: () => void } {
  const executor = app.database.db.getExecutor();
  const spy = vi.spyOn(executor, 'executeQuery');
  return {
    count: () =>
      spy.mock.calls.filter(([query]) =>
        (query as CompiledQuery).sql.includes('authenticate_token'),
      ).length,
    restore: () => spy.mockRestore(),
  };
}

function expectLimitHeaders(
  response: { headers: Record<string, unknown> },
  limit: number,
  remaining: number,
) {
  expect(response.headers['x-ratelimit-limit']).toBe(String(limit));
  expect(response.headers['x-ratelimit-remaining']).toBe(String(remaining));
  expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
  expect(response.headers['ratelimit-policy']).toBe(`"search";q=${limit};w=300`);
  expect(response.headers['ratelimit']).toMatch(new RegExp(`^"search";r=${remaining};t=\\d+$`));
}

describe('search rate limits', () => {
  it('answers the 21st anonymous request in the window with 429 and Retry-After', async () => {
    const ip = '203.0.113.7';
    for (let i = 1; i <= 20; i++) {
      const response = await anonymous(t, ip);
      expect(response.statusCode).toBe(401);
      expect(response.headers['x-ratelimit-limit']).toBe('20');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(20 - i));
    }
    const limited = await anonymous(t, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' }, status: 429 });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    // The window's 20 must fade below 19 after it closes: up to 300 s plus 5% of a window.
    expect(retryAfter).toBeLessThanOrEqual(315);
    expect(limited.headers['ratelimit-policy']).toBe('"search";q=20;w=300');
    expect(limited.headers['ratelimit']).toMatch(/^"search";r=0;t=\d+$/);
    expect(Number(limited.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    // Another address has its own allowance; a bad token counts against the address too, and
    // does not escape its limit.
    expect((await anonymous(t, '203.0.113.8')).statusCode).toBe(401);
    const forged = `ff_${Buffer.alloc(48, 1).toString('base64url')}`;
    expect((await anonymous(t, ip, { authorization: `Bearer ${forged}` })).statusCode).toBe(429);
    for (let i = 0; i < 20; i++) {
      await anonymous(t, '203.0.113.9', { authorization: `Bearer ${forged}` });
    }
    expect((await anonymous(t, '203.0.113.9')).statusCode).toBe(429);
  });

  it('gives each person 100, premium tenants 500, and honours a tenant override', async () => {
    const small = await buildTestApp({
      databaseOf: t,
      env: {
        SEARCH_RATE_LIMIT_USER: '3',
        SEARCH_RATE_LIMIT_PREMIUM: '5',
        SEARCH_RATE_LIMIT_ANONYMOUS: '2',
      },
    });
    try {
      const standard = await createTenant(small, 'Standard');
      const premium = await createTenant(small, 'Premium');
      const custom = await createTenant(small, 'Custom');
      await withPlatformTxBypassingRls(small.database.db, async (tx) => {
        await sql`update tenants set plan = 'premium' where id = ${premium.id}`.execute(tx);
        await sql`update tenants set rate_limits = '{"search": 7}' where id = ${custom.id}`.execute(
          tx,
        );
      });
      const allowance = async (token: string) => {
        let ok = 0;
        for (let i = 0; i < 10; i++) if ((await asPerson(small, token)).statusCode === 200) ok++;
        return ok;
      };
      expect(await allowance(standard.adminToken)).toBe(3);
      expect(await allowance(premium.adminToken)).toBe(5);
      expect(await allowance(custom.adminToken)).toBe(7);
      // Per person, not per tenant.
      const colleague = await createPersonWith(small, standard, ['search.use']);
      const first = await asPerson(small, colleague.token);
      expect(first.statusCode).toBe(200);
      expect(first.headers['x-ratelimit-limit']).toBe('3');
      expect(first.headers['ratelimit-policy']).toBe('"search";q=3;w=300');
    } finally {
      await small.close();
    }
  });

  it('refuses the 21st request with an unknown token from one address, not the people behind it', async () => {
    const app = await buildTestApp({ databaseOf: t });
    try {
      const ip = '192.0.2.21';
      // Well-formed tokens of a real tenant that were never issued: each must be looked up.
      for (let i = 1; i <= 20; i++) {
        const unknown = issueToken(acme.id).token;
        const response = await anonymous(app, ip, bearer(unknown));
        expect(response.statusCode).toBe(401);
        expect(response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
        expectLimitHeaders(response, 20, 20 - i);
      }
      const limited = await anonymous(app, ip, bearer(issueToken(acme.id).token));
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' }, status: 429 });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expectLimitHeaders(limited, 20, 0);
      // The address's allowance is spent for requests without a token too...
      expect((await anonymous(app, ip)).statusCode).toBe(429);
      // ...but a person there has their own, known to this process or not.
      const colleague = await createPersonWith(app, acme, ['search.use']);
      for (const token of [colleague.token, colleague.token, acme.adminToken]) {
        const own = await anonymous(app, ip, bearer(token));
        expect(own.statusCode, own.body).toBe(200);
        expect(own.headers['x-ratelimit-limit']).toBe('100');
      }
      const metrics = await app.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^rate_limited_total\{policy="search"\} 2$/m);
    } finally {
      await app.close();
    }
  });

  it('refuses a person’s 101st with 429, with no lookup for a token the process knows', async () => {
    const app = await buildTestApp({ databaseOf: t });
    const lookups = countLookups(app);
    try {
      const person = await createPersonWith(app, acme, ['search.use']);
      const before = lookups.count();
      for (let i = 1; i <= 100; i++) {
        const response = await anonymous(app, `198.51.100.${i}`, bearer(person.token));
        expect(response.statusCode, response.body).toBe(200);
        expectLimitHeaders(response, 100, 100 - i);
      }
      // Looked up once, then known to the process (the principal cache).
      expect(lookups.count() - before).toBe(1);
      const limited = await asPerson(app, person.token);
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED' }, status: 429 });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expectLimitHeaders(limited, 100, 0);
      expect(lookups.count() - before).toBe(1);
    } finally {
      lookups.restore();
      await app.close();
    }
  });

  it('uses the defaults: 100 per person on a standard tenant', async () => {
    const response = await asPerson(t, acme.adminToken);
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-ratelimit-limit']).toBe('100');
    expect(response.headers['x-ratelimit-remaining']).toBe('99');
  });

  it('takes the client address from the socket unless a proxy is trusted', async () => {
    const proxied = await buildTestApp({
      databaseOf: t,
      env: { TRUST_PROXY: '10.0.0.1', SEARCH_RATE_LIMIT_ANONYMOUS: '1' },
    });
    try {
      const via = (forwardedFor: string, from = '10.0.0.1') =>
        anonymous(proxied, from, { 'x-forwarded-for': forwardedFor });
      expect((await via('198.51.100.1')).statusCode).toBe(401);
      expect((await via('198.51.100.2')).statusCode).toBe(401);
      expect((await via('198.51.100.1')).statusCode).toBe(429);
      // An untrusted sender's X-Forwarded-For is ignored: it is counted by its own address.
      expect((await via('198.51.100.3', '192.0.2.50')).statusCode).toBe(401);
      expect((await via('198.51.100.4', '192.0.2.50')).statusCode).toBe(429);
    } finally {
      await proxied.close();
    }
  });

  it('keeps answering when Redis is unreachable, and counts the fallback', async () => {
    const cut = await buildTestApp({
      databaseOf: t,
      redisUrl: 'redis://127.0.0.1:1',
      env: { SEARCH_RATE_LIMIT_ANONYMOUS: '2' },
    });
    try {
      const response = await asPerson(cut, acme.adminToken);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers['x-ratelimit-remaining']).toBe('99');
      // The in-process twin still limits.
      const ip = '198.51.100.77';
      expect((await anonymous(cut, ip)).statusCode).toBe(401);
      expect((await anonymous(cut, ip)).statusCode).toBe(401);
      expect((await anonymous(cut, ip)).statusCode).toBe(429);
      const metrics = await cut.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^rate_limit_fallbacks_total [1-9]/m);
      expect(metrics.body).toMatch(/^rate_limited_total\{policy="search"\} 1$/m);
    } finally {
      await cut.close();
    }
  });

  it.runIf(onRedis)(
    'shares a person’s count between processes on Redis, known to one of them or not',
    async () => {
      const prefix = randomUUID();
      const env = { SEARCH_RATE_LIMIT_USER: '5' };
      const [a, b] = [
        await buildTestApp({ databaseOf: t, redisPrefix: prefix, env }),
        await buildTestApp({ databaseOf: t, redisPrefix: prefix, env }),
      ];
      try {
        const person = await createPersonWith(a, acme, ['search.use']);
        for (let i = 1; i <= 5; i++) {
          const response = await asPerson(a, person.token);
          expect(response.statusCode).toBe(200);
          expect(response.headers['x-ratelimit-remaining']).toBe(String(5 - i));
        }
        expect((await asPerson(a, person.token)).statusCode).toBe(429);
        // b looks the token up (it never saw it), then counts it under the same person.
        const limited = await asPerson(b, person.token);
        expect(limited.statusCode).toBe(429);
        expectLimitHeaders(limited, 5, 0);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  it.runIf(onRedis)(
    'lets exactly 20 of 30 concurrent anonymous requests through on Redis',
    async () => {
      const prefix = randomUUID();
      const [a, b] = [
        await buildTestApp({ databaseOf: t, redisPrefix: prefix }),
        await buildTestApp({ databaseOf: t, redisPrefix: prefix }),
      ];
      try {
        const ip = '198.51.100.200';
        const responses = await Promise.all(
          Array.from({ length: 30 }, (_, i) => anonymous(i % 2 ? a : b, ip)),
        );
        const statuses = responses.map((response) => response.statusCode);
        expect(statuses.filter((status) => status === 401)).toHaveLength(20);
        expect(statuses.filter((status) => status === 429)).toHaveLength(10);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );
});
