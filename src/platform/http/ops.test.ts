import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';

let t: TestApp;
let tenant: TestTenant;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = await createTenant(t);
});
afterAll(() => t.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parsePrometheus(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

async function latencySamples(route: string): Promise<Sample[]> {
  const response = await call(t, null, { method: 'GET', url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return parsePrometheus(response.body).filter(
    (sample) =>
      sample.name.startsWith('http_request_duration_seconds') && sample.labels.route === route,
  );
}

describe('GET /healthz', () => {
  it('answers without a token', async () => {
    const response = await call(t, null, { method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.data).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('reports the database reachable', async () => {
    const response = await call(t, null, { method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.data).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    expect(['ok', 'not configured']).toContain(
      (response.data.checks as Record<string, string>).redis,
    );
  });
});

describe('GET /metrics', () => {
  it('is Prometheus text', async () => {
    const response = await call(t, null, { method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(() => parsePrometheus(response.body)).not.toThrow();
  });

  it('counts requests to /api/v1/me under its route', async () => {
    const before = await latencySamples('/api/v1/me');
    const countOf = (samples: Sample[]) =>
      samples.find(
        (s) => s.name === 'http_request_duration_seconds_count' && s.labels.status_code === '200',
      )?.value ?? 0;
    for (let i = 0; i < 2; i++) {
      expect(
        (await call(t, tenant.adminToken, { method: 'GET', url: '/api/v1/me' })).statusCode,
      ).toBe(200);
    }
    const after = await latencySamples('/api/v1/me');
    expect(countOf(after) - countOf(before)).toBe(2);
    const buckets = after.filter((s) => s.name === 'http_request_duration_seconds_bucket');
    expect(buckets.length).toBeGreaterThan(1);
    expect(buckets.every((s) => s.labels.method === 'GET' && s.labels.le !== undefined)).toBe(true);
    expect(
      buckets.find((s) => s.labels.le === '+Inf' && s.labels.status_code === '200')?.value,
    ).toBe(countOf(after));
  });

  it('labels by route pattern, not by the URL with its ids', async () => {
    const response = await call(t, tenant.adminToken, {
      method: 'GET',
      url: `/api/v1/people/${tenant.adminId}`,
    });
    expect(response.statusCode).toBe(200);
    expect(await latencySamples('/api/v1/people/:id')).not.toHaveLength(0);
    const metrics = await call(t, null, { method: 'GET', url: '/metrics' });
    expect(metrics.body).not.toContain(tenant.adminId);
  });

  it('does not turn unknown URLs into labels', async () => {
    const response = await call(t, null, { method: 'GET', url: '/probe-a1b2c3/whatever' });
    expect(response.statusCode).toBe(404);
    const metrics = await call(t, null, { method: 'GET', url: '/metrics' });
    expect(metrics.body).not.toContain('probe-a1b2c3');
  });
});

describe('GET /docs/json', () => {
  it('is an OpenAPI document of the API', async () => {
    const response = await call(t, null, { method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.data as {
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/people', '/api/v1/people/{id}', '/api/v1/tenants']),
    );
    expect(Object.keys(doc.paths['/api/v1/people']!)).toEqual(
      expect.arrayContaining(['get', 'post']),
    );
    expect(JSON.stringify(doc.paths['/api/v1/people']!.post!.requestBody)).toContain('"login"');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('serves the docs page at /docs', async () => {
    const response = await call(t, null, { method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
  });
});
