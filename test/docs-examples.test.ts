import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { auditJobs } from '../src/modules/audit/index.js';
import { startJobs } from '../src/platform/jobs/start-jobs.js';
import { describeWorkflow } from '../src/workflow/index.js';
import { WORKFLOWS } from '../src/workflows.js';
import { buildTestApp, call, onPostgres, type TestApp } from './app.js';
import { createPersonWith, createTenant } from './factories.js';
import { createRecord, createSite } from './records.js';
import { transition } from './transitions.js';

/**
 * The operator docs say only what the code does: their ```http examples are replayed against the
 * app, their diagrams are what `facilityflow diagram` prints, and their lists of settings, rules
 * and metrics are the ones the code has.
 *
 * An example is a request block followed by a response block (`HTTP/1.1 <status>`, headers that
 * must be there, and a JSON body that must match where it says something: objects by the keys
 * given, arrays whole). `{{name}}` is a value the test set up; in a response, a name not yet
 * known matches whatever is there and is known from then on.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');

/** The fenced blocks of a language, in document order. */
function fences(markdown: string, language: string): string[] {
  const pattern = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
  return [...markdown.matchAll(pattern)].map((match) => match[1]!);
}

type Vars = Record<string, string>;

const fill = (text: string, vars: Vars) =>
  text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => vars[name] ?? whole);

/** Head lines (`METHOD /path` or `HTTP/1.1 200`, then headers), a blank line, a JSON body. */
function parseMessage(text: string) {
  const [head, ...rest] = text.split('\n\n');
  const [start, ...headerLines] = head!.split('\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const body = rest.join('\n\n').trim();
  return { start: start!, headers, body: body === '' ? undefined : (JSON.parse(body) as unknown) };
}

/** `actual` says what `expected` says; a `{{name}}` string not yet in `vars` is learned. */
function expectMatch(actual: unknown, expected: unknown, vars: Vars, path = 'body'): void {
  const unknownName = typeof expected === 'string' && /^\{\{(\w+)\}\}$/.exec(expected)?.[1];
  if (unknownName) {
    expect(actual, path).toBeDefined();
    vars[unknownName] = String(actual);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path}.length`).toBe(expected.length);
    expected.forEach((item, i) =>
      expectMatch((actual as unknown[])[i], item, vars, `${path}[${i}]`),
    );
  } else if (expected !== null && typeof expected === 'object') {
    expect(actual, path).toBeTypeOf('object');
    for (const [key, value] of Object.entries(expected)) {
      expectMatch((actual as Record<string, unknown>)[key], value, vars, `${path}.${key}`);
    }
  } else {
    expect(actual, path).toEqual(expected);
  }
}

/** Replays every example of a document in order, each response checked before the next request. */
async function replayExamples(t: TestApp, doc: string, vars: Vars): Promise<number> {
  const blocks = fences(read(doc), 'http');
  expect(blocks.length % 2, `${doc}: every request has its response`).toBe(0);
  for (let i = 0; i < blocks.length; i += 2) {
    const request = parseMessage(fill(blocks[i]!, vars));
    const [method, url] = request.start.split(' ');
    const response = await call(t, null, {
      method: method as 'GET',
      url: url!,
      headers: request.headers,
      ...(request.body === undefined ? {} : { payload: request.body as object }),
    });
    const documented = blocks[i + 1]!;
    const where = `${doc}: ${request.start}\n${response.body}`;
    const expected = parseMessage(fill(documented, vars));
    expect(response.statusCode, where).toBe(Number(expected.start.split(' ')[1]));
    for (const [name, value] of Object.entries(expected.headers)) {
      expect(response.headers[name], `${where}\nheader ${name}`).toBe(value);
    }
    if (expected.body !== undefined) expectMatch(response.data, expected.body, vars, where);
  }
  return blocks.length / 2;
}

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('docs/bulk-operations.md', () => {
  it('lists every bulk endpoint the API has, and no other', async () => {
    const openApi = await call(t, null, { method: 'GET', url: '/docs/json' });
    const served = Object.keys(openApi.data.paths as object)
      .filter((path) => path.includes('/bulk/'))
      .map((path) => path.replace('/api/v1/', ''));
    // Rows of the endpoint table: | `work-orders/bulk/approve` | ...
    const documented = [
      ...read('docs/bulk-operations.md').matchAll(/^\| `([a-z-]+\/bulk\/[a-z-]+)` +\|/gm),
    ].map((match) => match[1]!);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('answers each example as documented', async () => {
    const tenant = await createTenant(t);
    const token = tenant.adminToken;
    const site = await createSite(t, token);
    const vendor = await createRecord(t, token, 'vendors', { code: 'V-COOL', name: 'CoolAir' });
    const submitted = async (title: string, vendorId?: string) => {
      const record = await createRecord(t, token, 'work-orders', {
        title,
        site_id: site.id,
        ...(vendorId ? { vendor_id: vendorId } : {}),
      });
      const moved = await transition(t, token, 'work-orders', record.id, {
        target_state: 'SUBMITTED',
      });
      expect(moved.statusCode, moved.body).toBe(200);
      return record.id;
    };
    const technician = await createPersonWith(t, tenant, ['tasks.view']);
    const ticket = (title: string) => createRecord(t, token, 'tickets', { title });
    const vars: Vars = {
      token,
      wo_1: await submitted('Replace AHU filters', vendor.id),
      wo_2: await submitted('Service chiller', vendor.id),
      wo_3: await submitted('Fix dock door'),
      technician: technician.id,
      ticket_1: (await ticket('Leaking tap')).id,
      ticket_2: (await ticket('Flickering lights')).id,
      key: '3f6b2d3e-8a4e-4a43-9d1e-6f1f0b1c2a77',
    };
    expect(await replayExamples(t, 'docs/bulk-operations.md', vars)).toBeGreaterThan(0);
  });
});

describe('docs/workflows.md', () => {
  it('shows each diagram exactly as `facilityflow diagram <entity>` prints it', async () => {
    const printed = await Promise.all(
      WORKFLOWS.map((workflow) => facilityflow('diagram', workflow.entity)),
    );
    expect(fences(read('docs/workflows.md'), 'mermaid')).toEqual(printed);
    // Four CLI processes, each starting TypeScript: slow on a busy machine.
  }, 60_000);

  it('lists every rule and warning of each workflow, and no other', () => {
    const fromCode = WORKFLOWS.flatMap((workflow) => {
      const { transitions } = describeWorkflow(workflow);
      return [
        ...transitions.flatMap((move) =>
          move.rules.map((rule) => `${workflow.entity} rule ${rule.code}`),
        ),
        ...transitions.flatMap((move) =>
          move.warnings.map((warning) => `${workflow.entity} warning ${warning.code}`),
        ),
      ];
    });
    // Rows of the rules table: | `CODE` | entity, entity | rule or warning | ... |
    const documented = [
      ...read('docs/workflows.md').matchAll(
        /^\| `([A-Z_]+)` +\| ([a-z_, ]+?) +\| (rule|warning) +\|/gm,
      ),
    ].flatMap(([, code, entities, kind]) =>
      entities!.split(', ').map((entity) => `${entity} ${kind} ${code}`),
    );
    expect(new Set(documented)).toEqual(new Set(fromCode));
  });

  it('answers each example as documented', async () => {
    const tenant = await createTenant(t);
    const site = await createSite(t, tenant.adminToken);
    const workOrder = await createRecord(t, tenant.adminToken, 'work-orders', {
      title: 'Replace AHU filters',
      site_id: site.id,
    });
    const vars: Vars = { token: tenant.adminToken, wo: workOrder.id };
    expect(await replayExamples(t, 'docs/workflows.md', vars)).toBeGreaterThan(0);
  });
});

describe('docs/deployment.md', () => {
  const doc = () => read('docs/deployment.md');

  it('names every setting config.ts reads, and no other', () => {
    const read: string[] = [];
    // loadConfig looks up each setting it knows by name: a proxy hears which.
    loadConfig(new Proxy({}, { get: (_env, name) => void read.push(String(name)) }));
    const documented = [...doc().matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(read.sort());
  });

  // The names do not depend on the database, and on PostgreSQL the real jobs would seal and
  // purge the entries of every other test file's tenants in the shared database.
  it.skipIf(onPostgres)(
    'names metrics that /metrics exposes, and every one the app adds',
    async () => {
      // The job counters exist once their jobs have run.
      const jobs = await startJobs({
        db: t.database.db,
        log: t.app.log,
        registry: t.app.metrics,
        jobs: auditJobs(t.database.db, { purgeCron: '0 0 1 1 *', sealCron: '0 0 1 1 *' }),
        pollingIntervalSeconds: 0.5,
      });
      let exposed: string[] = [];
      try {
        await jobs.runNow('audit-purge');
        await jobs.runNow('audit-seal');
        await expect
          .poll(
            async () => {
              const text = (await call(t, null, { method: 'GET', url: '/metrics' })).body;
              exposed = [...text.matchAll(/^# TYPE (\S+)/gm)].map((match) => match[1]!);
              return exposed;
            },
            { timeout: 20_000, interval: 250 },
          )
          .toContain('facilityflow_audit_sealed_entries_total');
      } finally {
        await jobs.stop();
      }
      // Rows of the metrics table: | `name` | ...
      const documented = [...doc().matchAll(/^\| `([a-z][a-z0-9_]+)` +\|/gm)].map(
        (match) => match[1]!,
      );
      expect(documented.filter((name) => !exposed.includes(name))).toEqual([]);
      // Node's own (process_, nodejs_) need not all be listed; the app's own must be.
      const own = exposed.filter((name) => !/^(process|nodejs)_/.test(name));
      expect(own.filter((name) => !documented.includes(name))).toEqual([]);
      // Every metric a suggested alert queries is exposed (a histogram by its series).
      const queried = [...doc().matchAll(/\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?=\{|\[| |\))/g)]
        .map((match) => match[1]!.replace(/_(bucket|count|sum)$/, ''))
        .filter((name) => /_(total|seconds|bytes)$/.test(name));
      expect(queried.length).toBeGreaterThan(10);
      expect(queried.filter((name) => !exposed.includes(name))).toEqual([]);
    },
  );

  it('answers each example as documented', async () => {
    expect(await replayExamples(t, 'docs/deployment.md', {})).toBeGreaterThan(0);
  });
});

describe('the three docs', () => {
  it('name only files that exist, and the README links them', () => {
    for (const doc of ['docs/bulk-operations.md', 'docs/workflows.md', 'docs/deployment.md']) {
      const paths = [...read(doc).matchAll(/`((?:src|test|migrations|bench|docs)\/[\w./-]+)`/g)];
      for (const [, path] of paths)
        expect(existsSync(`${ROOT}/${path}`), `${doc}: ${path}`).toBe(true);
      expect(read('README.md')).toContain(`](${doc})`);
    }
  });
});

const BIN = fileURLToPath(new URL('../bin/facilityflow.js', import.meta.url));

/** `npx facilityflow <args>`'s standard output (it must succeed). */
function facilityflow(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}
