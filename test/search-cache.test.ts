import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, onRedis, type Body, type TestApp } from './app.js';
import { createTenant, type TestTenant } from './factories.js';
import { createRecord, createSite } from './records.js';

/** Cached searches across server processes (SPEC §9: a write invalidates at once, everywhere). */
let a: TestApp;
let acme: TestTenant;
let siteId: string;

beforeAll(async () => {
  a = await buildTestApp();
  acme = await createTenant(a, 'Acme');
  siteId = (await createSite(a, acme.adminToken)).id;
});
afterAll(() => a.close());

const search = (app: TestApp, q: string) =>
  call(app, acme.adminToken, { method: 'GET', url: `/api/v1/search?q=${q}` });
const titles = (response: { data: Body }) =>
  (response.data.data as { title: string }[]).map((hit) => hit.title);

async function expectWriteSeenBy(writer: TestApp, reader: TestApp, word: string) {
  const wo = await createRecord(writer, acme.adminToken, 'work-orders', {
    title: `Service ${word} compressor`,
    site_id: siteId,
  });
  expect(titles(await search(reader, word))).toEqual([`Service ${word} compressor`]);
  expect((await search(reader, word)).data.from_cache).toBe(true);
  const patched = await call(writer, acme.adminToken, {
    method: 'PATCH',
    url: `/api/v1/work-orders/${wo.id}`,
    payload: { title: `Replace ${word} compressor` },
  });
  expect(patched.statusCode).toBe(200);
  const after = await search(reader, word);
  expect(after.data.from_cache).toBe(false);
  expect(titles(after)).toEqual([`Replace ${word} compressor`]);
  await call(writer, acme.adminToken, { method: 'DELETE', url: `/api/v1/work-orders/${wo.id}` });
  expect(titles(await search(reader, word))).toEqual([]);
}

describe('search cache across server processes', () => {
  it('shows a write of one app in the next search of another on the same database', async () => {
    const b = await buildTestApp({ databaseOf: a });
    try {
      await expectWriteSeenBy(a, b, 'zanzibar');
    } finally {
      await b.close();
    }
  });

  it('shows a transition in the next search: the subtitle carries the new status', async () => {
    const ticket = await createRecord(a, acme.adminToken, 'tickets', { title: 'Xylophone hall' });
    const subtitle = async () =>
      ((await search(a, 'xylophone')).data.data as { subtitle: string }[])[0]!.subtitle;
    expect(await subtitle()).toContain('NEW');
    expect((await search(a, 'xylophone')).data.from_cache).toBe(true);
    const moved = await call(a, acme.adminToken, {
      method: 'POST',
      url: `/api/v1/tickets/${ticket.id}/transitions`,
      payload: { target_state: 'OPEN' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await search(a, 'xylophone')).data.from_cache).toBe(false);
    expect(await subtitle()).toContain('OPEN');
  });

  it.runIf(onPostgres && onRedis)(
    'shows a write in the next search on another instance sharing only Redis and PostgreSQL',
    async () => {
      // Two apps, each with its own connection pool and in-process cache: only Redis links them.
      const prefix = randomUUID();
      const writer = await buildTestApp({ redisPrefix: prefix, poolSize: 5 });
      const reader = await buildTestApp({ redisPrefix: prefix, poolSize: 5 });
      try {
        // A search one process answered is served to the other from Redis.
        await createRecord(writer, acme.adminToken, 'tickets', { title: 'Gazebo lantern' });
        expect((await search(writer, 'gazebo')).data.from_cache).toBe(false);
        const shared = await search(reader, 'gazebo');
        expect(shared.data.from_cache).toBe(true);
        expect(titles(shared)).toEqual(['Gazebo lantern']);

        await expectWriteSeenBy(writer, reader, 'quixotic');
        // And the other way round, through a person write.
        const person = await call(reader, acme.adminToken, {
          method: 'POST',
          url: '/api/v1/people',
          payload: { login: `p-${prefix.slice(0, 6)}`, name: 'Yolanda Quayside' },
        });
        expect(person.statusCode).toBe(201);
        expect(titles(await search(writer, 'quayside'))).toEqual(['Yolanda Quayside']);
        await call(reader, acme.adminToken, {
          method: 'PATCH',
          url: `/api/v1/people/${person.data.id as string}`,
          payload: { name: 'Yolanda Harbour' },
        });
        expect(titles(await search(writer, 'quayside'))).toEqual([]);
      } finally {
        await writer.close();
        await reader.close();
      }
    },
  );

  it.runIf(onRedis)(
    'lets a tenant’s generations expire after twice the cache TTL, never to serve an older page',
    async () => {
      const prefix = randomUUID();
      const app = await buildTestApp({
        databaseOf: a,
        redisPrefix: prefix,
        env: { SEARCH_CACHE_TTL_SECONDS: '60' },
      });
      const redis = new Redis(process.env.REDIS_URL!, { keyPrefix: `test:${prefix}:` });
      try {
        const tenant = await createTenant(app, 'Generations');
        const site = await createSite(app, tenant.adminToken);
        const find = (q: string) =>
          call(app, tenant.adminToken, {
            method: 'GET',
            url: `/api/v1/search?entities=work_order&q=${q}`,
          });
        const key = `gen:${tenant.id}`;
        await createRecord(app, tenant.adminToken, 'work-orders', {
          title: 'Zephyr pump',
          site_id: site.id,
        });
        const ttl = await redis.pttl(key);
        expect(ttl).toBeGreaterThan(110_000);
        expect(ttl).toBeLessThanOrEqual(120_000);
        expect(await redis.hget(key, 'work_order')).toBe('1');
        expect(titles(await find('zephyr'))).toEqual(['Zephyr pump']);
        expect((await find('zephyr')).data.from_cache).toBe(true);

        // The hash expires (here before the page does): its counters start again from zero,
        // and the next write brings work_order back to the count the page was cached under.
        await redis.del(key);
        await createRecord(app, tenant.adminToken, 'work-orders', {
          title: 'Zephyr valve',
          site_id: site.id,
        });
        expect(await redis.hget(key, 'work_order')).toBe('1');
        const after = await find('zephyr');
        expect(after.data.from_cache).toBe(false);
        expect(titles(after).sort()).toEqual(['Zephyr pump', 'Zephyr valve']);
      } finally {
        redis.disconnect();
        await app.close();
      }
    },
  );
});
