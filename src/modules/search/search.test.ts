import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type Body, type TestApp } from '../../../test/app.js';
import { createPersonWith, createTenant, type TestTenant } from '../../../test/factories.js';
import { createRecord, createSite } from '../../../test/records.js';

let t: TestApp;
let acme: TestTenant;
let other: TestTenant;
const ids: Record<string, string> = {};

interface Hit {
  entity: string;
  id: string;
  title: string;
  score: number;
  snippet: string | null;
}

beforeAll(async () => {
  t = await buildTestApp({ env: { SEARCH_RATE_LIMIT_USER: '100000' } });
  acme = await createTenant(t, 'Acme');
  other = await createTenant(t, 'Other');
  const site = await createSite(t, acme.adminToken, { name: 'Riverside Plant', code: 'RIV-01' });
  const wo = (title: string, description: string, extra: Body = {}) =>
    createRecord(t, acme.adminToken, 'work-orders', {
      title,
      description,
      site_id: site.id,
      ...extra,
    });
  ids.boiler = (
    await wo(
      'Replace boiler pressure valve',
      'The boiler in the basement loses pressure overnight',
      {
        priority: 'HIGH',
      },
    )
  ).id;
  ids.lighting = (await wo('Inspect emergency lighting', 'Quarterly maintenance of exit signs')).id;
  ids.roof = (await wo('Clear roof gutters', 'Leaves block the drainage')).id;
  ids.ticket = (
    await createRecord(t, acme.adminToken, 'tickets', {
      title: 'Air conditioning broken in meeting room',
      description: 'Too warm since Monday',
      category: 'HVAC',
    })
  ).id;
  ids.task = (
    await createRecord(t, acme.adminToken, 'tasks', {
      title: 'Weekly generator test run',
      site_id: site.id,
    })
  ).id;
  const otherSite = await createSite(t, other.adminToken);
  ids.otherBoiler = (
    await createRecord(t, other.adminToken, 'work-orders', {
      title: 'Replace boiler pressure valve',
      site_id: otherSite.id,
    })
  ).id;
});
afterAll(() => t.close());

const search = (token: string, query: string) =>
  call(t, token, { method: 'GET', url: `/api/v1/search?${query}` });
const hitsOf = (response: { data: Body }) => response.data.data as Hit[];
const find = async (q: string, token = acme.adminToken, extra = '') => {
  const response = await search(token, `q=${encodeURIComponent(q)}${extra}`);
  expect(response.statusCode, response.body).toBe(200);
  return hitsOf(response).map((hit) => hit.id);
};

describe('typo-tolerant matching', () => {
  it('finds records by misspelled words: 1 typo from 5 letters, 2 from 9', async () => {
    expect(await find('boilr')).toContain(ids.boiler);
    expect(await find('presure vlave')).toContain(ids.boiler);
    expect(await find('emergancy')).toContain(ids.lighting);
    expect(await find('emegrancy lighting')).toContain(ids.lighting);
    expect(await find('maintenence')).toContain(ids.lighting);
    expect(await find('condtioning')).toContain(ids.ticket);
    expect(await find('genrator')).toContain(ids.task);
    // A 5-letter word keeps its one typo when the typo drops a letter.
    expect(await find('vave boiler')).toContain(ids.boiler);
  });

  it('does not stretch a word beyond its typo budget', async () => {
    // 6 letters allow 1 typo, not 2; two 4-letter spellings none.
    expect(await find('bailur')).not.toContain(ids.boiler);
    expect(await find('ruof')).not.toContain(ids.roof);
    expect(await find('roof')).toContain(ids.roof);
  });

  it('matches identifiers exactly or by prefix, never by typo', async () => {
    const number = (
      await call(t, acme.adminToken, { method: 'GET', url: `/api/v1/work-orders/${ids.boiler}` })
    ).data.number as string;
    expect(number).toBe('WO-000001');
    expect(await find('WO-000001')).toEqual([ids.boiler]);
    expect(await find('wo-00000')).toEqual(
      expect.arrayContaining([ids.boiler, ids.lighting, ids.roof]),
    );
    expect(await find('WO-000007')).toEqual([]);
    expect(await find('WO-000010')).toEqual([]);
    // Inside an identifier is neither exact nor a prefix.
    expect(await find('00001')).toEqual([]);
    expect(await find('O-000001')).toEqual([]);
    expect(await find('#T00001')).toEqual([ids.ticket]);
    expect(await find('T00002')).toEqual([]);
    expect(await find('RIV-01')).toHaveLength(1);
    const office = await createSite(t, acme.adminToken, { code: 'LON-HQ', name: 'London Office' });
    expect(await find('LON-HQ')).toEqual([office.id]);
    expect(await find('lon-h')).toEqual([office.id]);
    expect(await find('LON-HW')).toEqual([]);
  });

  it('searches text that looks like SQL or markup as text', async () => {
    for (const q of [
      "'; DROP TABLE work_orders; --",
      "don't update",
      '<script>alert(1)</script>',
      'boiler%',
      '_a_',
      '(roof|x)',
      '\\\\',
      'NULL',
    ]) {
      const response = await search(acme.adminToken, `q=${encodeURIComponent(q)}`);
      expect(response.statusCode, `${q}: ${response.body}`).toBe(200);
    }
    const posted = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/search',
      payload: { query: "boiler'; select pg_sleep(5); --" },
    });
    expect(posted.statusCode).toBe(200);
  });

  it('refuses a 1-character query and cuts a 10,000-character one to 500', async () => {
    for (const q of ['a', ' a ', '\u200b\u200bb', '']) {
      const response = await search(acme.adminToken, `q=${encodeURIComponent(q)}`);
      expect(response.statusCode, JSON.stringify(q)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    const long = await search(acme.adminToken, `q=${'boiler '.repeat(1430)}`);
    expect(long.statusCode, long.body).toBe(200);
    expect((long.data.query as string).length).toBeLessThanOrEqual(500);
    const posted = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/search',
      payload: { query: 'x'.repeat(10_000) },
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.data.query).toBe('x'.repeat(500));
  });

  it('answers bad parameters with 400, never 500', async () => {
    for (const query of [
      'q=boiler&entities=invoice',
      'q=boiler&page=0',
      'q=boiler&page_size=101',
      'q=boiler&cursor=',
      'q=boiler&status=open',
      'q=boiler&site_id=not-a-uuid',
      'q=boiler&colour=red',
      'entities=work_order',
    ]) {
      const response = await search(acme.adminToken, query);
      expect(response.statusCode, `${query}: ${response.body}`).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    for (const payload of [
      { query: 'boiler', entities: ['work_order', 'work_order'] },
      { query: 'boiler', filters: { work_order: { site_id: 'x' } } },
      { query: 'boiler', filters: { invoice: {} } },
      { query: 42 },
      { query: 'lone \ud800 surrogate and nul \u0000' },
    ]) {
      const response = await call(t, acme.adminToken, {
        method: 'POST',
        url: '/api/v1/search',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
      const expected =
        typeof payload.query === 'string' && !payload.filters && !payload.entities ? 200 : 400;
      expect(response.statusCode, `${JSON.stringify(payload)}: ${response.body}`).toBe(expected);
    }
  });

  it('normalises the query: Unicode forms, invisible characters and spaces', async () => {
    const response = await search(
      acme.adminToken,
      `q=${encodeURIComponent('  ｂｏｉｌｅｒ\u200b \t\n valve ')}`,
    );
    expect(response.data.query).toBe('boiler valve');
    expect(hitsOf(response).map((hit) => hit.id)).toContain(ids.boiler);
  });

  it('finds a word inside a longer one, and words with letters beyond a–z', async () => {
    const annexe = await createSite(t, acme.adminToken, { name: 'Calorifierhouse Annexe' });
    const cafe = await createSite(t, acme.adminToken, { name: 'Café Ländle' });
    // Letter words are matched by the word index; the lexicon supplies the longer words that
    // contain them, as a substring match would.
    expect(await find('calorifier')).toEqual([annexe.id]);
    expect(await find('calorifier annex')).toEqual([annexe.id]);
    expect(await find('calorifierhouses')).toEqual([annexe.id]);
    expect(await find('calorifeir')).toEqual([]);
    // A database in another locale may split these into other words: they go through the
    // trigram index (here either way would find them).
    expect(await find('café')).toEqual([cafe.id]);
    expect(await find('ländle')).toEqual([cafe.id]);
  });

  it('keeps words too long for the word index searchable through the trigram index', async () => {
    // 45 letters; and 3,000 that do not compress, more than an index entry may hold.
    const long = 'pneumonoultramicroscopicsilicovolcanoconiosis';
    let seed = 7;
    const unbroken = Array.from({ length: 3000 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return String.fromCharCode(97 + ((seed >>> 16) % 26));
    }).join('');
    const record = await createRecord(t, acme.adminToken, 'tickets', {
      title: `Dust survey for ${long}`,
      description: unbroken,
    });
    expect(await find(long)).toEqual([record.id]);
    expect(await find(`${long} survey`)).toEqual([record.id]);
    // Part of such a word is not a word of the index, nor of the lexicon (ADR 0008).
    expect(await find(`${long.slice(0, 40)} survey`)).toEqual([]);
    const renamed = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/tickets/${record.id}`,
      payload: { description: `${unbroken}k`, version: 1 },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
  });
});

describe('results', () => {
  it('answers each hit with entity, title, subtitle, snippet, score and metadata', async () => {
    const response = await search(acme.adminToken, 'q=boiler%20basement');
    const [hit] = hitsOf(response);
    expect(hit).toMatchObject({
      entity: 'work_order',
      id: ids.boiler,
      title: 'Replace boiler pressure valve',
      subtitle: 'WO-000001 · DRAFT · HIGH',
      snippet: expect.stringContaining('basement'),
      score: expect.any(Number),
      metadata: { number: 'WO-000001', status: 'DRAFT', priority: 'HIGH' },
    });
    expect(response.data).toMatchObject({ from_cache: false, pagination: { total_count: 1 } });
  });

  it('scores by the SPEC formula: relevance, similarity, recency, activity, ownership', async () => {
    // New, HIGH, an exact word: 0.4·1 + 0.2·1 + 0.2·1 + 0.1·0.9 + 0.1·ownership.
    const mine = hitsOf(await search(acme.adminToken, 'q=boiler&entities=work_order'))[0]!;
    expect(mine.score).toBeCloseTo(0.99, 6);
    const viewer = await createPersonWith(t, acme, ['search.use', 'work_orders.view']);
    const theirs = hitsOf(await search(viewer.token, 'q=boiler&entities=work_order'))[0]!;
    expect(theirs.score).toBeCloseTo(0.92, 6);
  });

  it('scores overdue work 1.0 for activity, and 0.8 for ownership when assigned to me', async () => {
    const viewer = await createPersonWith(t, acme, ['search.use', 'work_orders.view']);
    const site = await createSite(t, acme.adminToken);
    await createRecord(t, acme.adminToken, 'work-orders', {
      title: 'Overdue flagpole repaint',
      site_id: site.id,
      priority: 'LOW',
      due_at: '2020-01-01T00:00:00Z',
      assigned_to: viewer.id,
    });
    const [hit] = hitsOf(await search(viewer.token, 'q=flagpole'));
    // 0.4·1 + 0.2·1 + 0.2·1 (updated just now) + 0.1·1.0 (overdue) + 0.1·0.8 (assigned to me)
    expect(hit!.score).toBeCloseTo(0.98, 6);
    const [mine] = hitsOf(await search(acme.adminToken, 'q=flagpole'));
    expect(mine!.score).toBeCloseTo(1.0, 6);
  });

  it('ranks exact words above typos, ties broken by id', async () => {
    const exact = hitsOf(await search(acme.adminToken, 'q=lighting'))[0]!;
    const typo = hitsOf(await search(acme.adminToken, 'q=lightnig'))[0]!;
    expect(exact.id).toBe(typo.id);
    expect(exact.score).toBeGreaterThan(typo.score);
  });

  it('limits the entities searched, and filters per entity', async () => {
    expect(await find('boiler', acme.adminToken, '&entities=ticket')).toEqual([]);
    expect(await find('boiler valve', acme.adminToken, '&priority=HIGH')).toEqual([ids.boiler]);
    expect(await find('boiler valve', acme.adminToken, '&priority=LOW')).toEqual([]);
    const posted = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/search',
      payload: {
        query: 'conditioning',
        entities: ['ticket', 'work_order'],
        filters: { ticket: { category: 'HVAC' }, work_order: { status: 'DRAFT' } },
      },
    });
    expect(hitsOf(posted).map((hit) => hit.id)).toEqual([ids.ticket]);
    const wrong = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/search',
      payload: { query: 'boiler', filters: { ticket: { colour: 'red' } } },
    });
    expect(wrong.statusCode).toBe(400);
  });
});

describe('permissions and isolation', () => {
  it('never shows another tenant’s records, fresh or cached', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await search(acme.adminToken, 'q=boiler%20pressure');
      expect(response.data.from_cache).toBe(i === 1);
      expect(hitsOf(response).map((hit) => hit.id)).toEqual([ids.boiler]);
      const theirs = await search(other.adminToken, 'q=boiler%20pressure');
      expect(hitsOf(theirs).map((hit) => hit.id)).toEqual([ids.otherBoiler]);
    }
  });

  it('shows no tickets to a person without tickets.view, even when a search is cached', async () => {
    const viewer = await createPersonWith(t, acme, ['search.use', 'work_orders.view']);
    const admin = await search(acme.adminToken, 'q=conditioning');
    expect(hitsOf(admin).map((hit) => hit.id)).toEqual([ids.ticket]);
    expect((await search(acme.adminToken, 'q=conditioning')).data.from_cache).toBe(true);
    for (const query of ['q=conditioning', 'q=conditioning&entities=ticket', 'q=T00001']) {
      const response = await search(viewer.token, query);
      expect(response.statusCode).toBe(200);
      expect(hitsOf(response), query).toEqual([]);
    }
    expect(await find('boiler valve', viewer.token)).toEqual([ids.boiler]);
  });

  it('shows analytics to tenant admins only', async () => {
    const user = await createPersonWith(t, acme, ['search.use', 'work_orders.view']);
    const response = await call(t, user.token, { method: 'GET', url: '/api/v1/search/analytics' });
    expect(response.statusCode).toBe(403);
    expect(response.data.error).toMatchObject({ details: { required_permission: 'tenant.admin' } });
  });

  it('needs search.use', async () => {
    const person = await createPersonWith(t, acme, ['work_orders.view']);
    const response = await search(person.token, 'q=boiler');
    expect(response.statusCode).toBe(403);
    expect(response.data.error).toMatchObject({ details: { required_permission: 'search.use' } });
    expect((await search('nope', 'q=boiler')).statusCode).toBe(401);
  });
});

describe('cache', () => {
  it('serves a repeated search from the cache until a write of that entity type', async () => {
    expect((await search(acme.adminToken, 'q=gutters')).data.from_cache).toBe(false);
    expect((await search(acme.adminToken, 'q=gutters')).data.from_cache).toBe(true);
    // A write of another type leaves the work-order-only search cached.
    await createRecord(t, acme.adminToken, 'tickets', { title: 'Gutters overflow' });
    const woOnly = await search(acme.adminToken, 'q=gutters&entities=work_order');
    expect(woOnly.data.from_cache).toBe(false);
    expect((await search(acme.adminToken, 'q=gutters&entities=work_order')).data.from_cache).toBe(
      true,
    );
    const all = await search(acme.adminToken, 'q=gutters');
    expect(all.data.from_cache).toBe(false);
    expect(hitsOf(all)).toHaveLength(2);

    const patched = await call(t, acme.adminToken, {
      method: 'PATCH',
      url: `/api/v1/work-orders/${ids.roof}`,
      payload: { title: 'Clear roof downpipes' },
    });
    expect(patched.statusCode).toBe(200);
    const after = await search(acme.adminToken, 'q=gutters&entities=work_order');
    expect(after.data.from_cache).toBe(false);
    expect(hitsOf(after)).toEqual([]);
    expect(await find('downpipes')).toEqual([ids.roof]);
  });

  it('keys by entities in any order, and records hits and misses in analytics', async () => {
    const a = await search(acme.adminToken, 'q=lighting&entities=work_order,ticket');
    const b = await search(acme.adminToken, 'q=lighting&entities=ticket,work_order');
    expect(a.data.from_cache).toBe(false);
    expect(b.data.from_cache).toBe(true);
    const analytics = await call(t, acme.adminToken, {
      method: 'GET',
      url: '/api/v1/search/analytics',
    });
    expect(analytics.statusCode, analytics.body).toBe(200);
    const figures = analytics.data as { hits: number; misses: number; hit_rate: number };
    expect(figures.hits).toBeGreaterThan(0);
    expect(figures.misses).toBeGreaterThan(0);
    expect(figures.hit_rate).toBeCloseTo(figures.hits / (figures.hits + figures.misses));
    const theirs = await call(t, other.adminToken, {
      method: 'GET',
      url: '/api/v1/search/analytics',
    });
    expect(theirs.data).toMatchObject({ top_queries: [{ query: 'boiler pressure' }] });
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/search_cache_lookups_total\{result="hit"\} [1-9]/);
  });
});

describe('pagination', () => {
  beforeAll(async () => {
    const site = await createSite(t, acme.adminToken);
    for (let i = 0; i < 30; i++) {
      await createRecord(t, acme.adminToken, 'work-orders', {
        title: `Descale chiller ${i}`,
        site_id: site.id,
        priority: ['LOW', 'MEDIUM', 'HIGH'][i % 3],
      });
    }
  });

  it('walks ranked results by cursor, each once, in score order', async () => {
    const seen: Hit[] = [];
    let response = await search(acme.adminToken, 'q=chiller&page_size=7');
    expect(response.data.pagination).toMatchObject({ total_count: 30, total_pages: 5 });
    for (;;) {
      seen.push(...hitsOf(response));
      const cursor = (response.data.pagination as { next_cursor: string | null }).next_cursor;
      if (!cursor) break;
      response = await search(acme.adminToken, `q=chiller&page_size=7&cursor=${cursor}`);
      expect(response.statusCode, response.body).toBe(200);
    }
    expect(new Set(seen.map((hit) => hit.id)).size).toBe(30);
    const ordered = [...seen].sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : -1));
    expect(seen.map((hit) => hit.id)).toEqual(ordered.map((hit) => hit.id));
    const second = await search(acme.adminToken, 'q=chiller&page_size=7&page=2');
    expect(hitsOf(second).map((hit) => hit.id)).toEqual(seen.slice(7, 14).map((hit) => hit.id));
  });

  it('refuses page 41 without a cursor, and a cursor of another query or a forged time', async () => {
    const deep = await search(acme.adminToken, 'q=chiller&page=41');
    expect(deep.statusCode).toBe(400);
    expect(deep.data.error).toMatchObject({ code: 'CURSOR_REQUIRED' });
    const first = await search(acme.adminToken, 'q=chiller&page_size=5');
    const cursor = (first.data.pagination as { next_cursor: string }).next_cursor;
    const [time, ...rest] = cursor.split('.');
    const forged = `${(parseInt(time!, 36) + 86_400_000).toString(36)}.${rest.join('.')}`;
    for (const [query, bad] of [
      ['q=chiller&page_size=5', forged],
      ['q=chiller&page_size=5', 'garbage'],
      ['q=chiller&page_size=5', `${time}.`],
      ['q=descale&page_size=5', cursor],
      ['q=chiller&page_size=6', cursor],
    ]) {
      const response = await search(acme.adminToken, `${query}&cursor=${bad}`);
      expect(response.statusCode, `${query} ${bad}`).toBe(400);
    }
    const foreign = await search(other.adminToken, `q=chiller&page_size=5&cursor=${cursor}`);
    expect(foreign.statusCode).toBe(400);
  });
});

describe('saved searches', () => {
  it('are per person, unique by name, listed and deleted', async () => {
    const save = (token: string, name: string) =>
      call(t, token, {
        method: 'POST',
        url: '/api/v1/search/saved',
        payload: { name, query: '  boiler\u200b valves ', entities: ['work_order'] },
      });
    const created = await save(acme.adminToken, 'Boilers');
    expect(created.statusCode, created.body).toBe(201);
    expect(created.data).toMatchObject({ name: 'Boilers', query: 'boiler valves' });
    const again = await save(acme.adminToken, 'Boilers');
    expect(again.statusCode).toBe(409);
    const someone = await createPersonWith(t, acme, ['search.use']);
    expect((await save(someone.token, 'Boilers')).statusCode).toBe(201);
    const list = await call(t, acme.adminToken, { method: 'GET', url: '/api/v1/search/saved' });
    expect((list.data.data as { name: string }[]).map((s) => s.name)).toEqual(['Boilers']);
    const foreign = await call(t, someone.token, {
      method: 'DELETE',
      url: `/api/v1/search/saved/${created.data.id as string}`,
    });
    expect(foreign.statusCode).toBe(404);
    const deleted = await call(t, acme.adminToken, {
      method: 'DELETE',
      url: `/api/v1/search/saved/${created.data.id as string}`,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await save(acme.adminToken, 'x')).statusCode).toBe(201);
    const tooShort = await call(t, acme.adminToken, {
      method: 'POST',
      url: '/api/v1/search/saved',
      payload: { name: 'y', query: 'a' },
    });
    expect(tooShort.statusCode).toBe(400);
  });
});
