import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type TestApp } from '../../../test/app.js';
import { createTenant, type TestTenant } from '../../../test/factories.js';
import { auditOf, createRecord, createSite } from '../../../test/records.js';

/**
 * SPEC §5 under load, through the generic record writes every record path uses. PGlite runs one
 * query at a time, so the races are real only on PostgreSQL.
 */

let t: TestApp;
let acme: TestTenant;
const WRITERS = 50;

beforeAll(async () => {
  t = await buildTestApp();
  acme = await createTenant(t, 'Acme');
});
afterAll(() => t.close());

/** Two record paths: a plain one, and one whose reads carry a sub-collection. */
const PATHS = [
  {
    path: 'sites',
    table: 'sites',
    field: 'name',
    create: () => createSite(t, acme.adminToken, { name: 'Riverside Plant' }),
  },
  {
    path: 'work-orders',
    table: 'work_orders',
    field: 'title',
    create: async () =>
      createRecord(t, acme.adminToken, 'work-orders', {
        title: 'Riverside Plant',
        site_id: (await createSite(t, acme.adminToken)).id,
        line_items: [{ description: 'Isolate the pump', mandatory: true }],
      }),
  },
];

const updatesOf = async (id: string) =>
  (await auditOf(t, id)).filter((entry) => entry.event_type === 'UPDATED');

describe.runIf(onPostgres).each(PATHS)(
  'optimistic locking of $path under concurrent writers',
  ({ path, table, field, create }) => {
    const patch = (id: string, payload: Record<string, unknown>, headers = {}) =>
      call(t, acme.adminToken, { method: 'PATCH', url: `/api/v1/${path}/${id}`, payload, headers });

    async function versionOf(id: string): Promise<number> {
      const { rows } = await sql<{ version: number }>`
      select version from ${sql.table(table)} where id = ${id}`.execute(t.database.db);
      return rows[0]!.version;
    }

    it(`lets exactly one of ${WRITERS} PATCHes carrying the same version win`, async () => {
      const record = await create();
      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) =>
          patch(record.id, { [field]: `Writer ${i}`, version: 1 }),
        ),
      );
      const won = responses.filter((response) => response.statusCode === 200);
      const lost = responses.filter((response) => response.statusCode === 409);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(WRITERS - 1);
      for (const response of lost) {
        expect(response.data).toEqual({
          error: {
            code: 'CONCURRENCY_ERROR',
            message: 'This record was modified by another user',
            current_version: 2,
            your_version: 1,
            retry_instructions: 'Please refresh and try again',
          },
          status: 409,
        });
      }
      expect(await versionOf(record.id)).toBe(2);
      const updates = await updatesOf(record.id);
      expect(updates).toHaveLength(1);
      expect(updates[0]!.changes).toEqual({
        [field]: { old: 'Riverside Plant', new: won[0]!.data[field] },
      });
    });

    it('answers the losers of an If-Match race with 412', async () => {
      const record = await create();
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          patch(record.id, { [field]: `W${i}` }, { 'if-match': '"1"' }),
        ),
      );
      const statuses = responses.map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 412)).toHaveLength(9);
      expect(await versionOf(record.id)).toBe(2);
    });

    it('loses no write when writers name no version: each one is applied and audited', async () => {
      const record = await create();
      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_, i) => patch(record.id, { [field]: `Blind ${i}` })),
      );
      expect(responses.every((response) => response.statusCode === 200)).toBe(true);
      const versions = responses
        .map((response) => response.data.version as number)
        .sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: WRITERS }, (_, i) => i + 2));
      expect(await versionOf(record.id)).toBe(WRITERS + 1);
      expect(await updatesOf(record.id)).toHaveLength(WRITERS);
    });
  },
);
