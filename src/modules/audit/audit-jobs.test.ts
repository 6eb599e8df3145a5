import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, type TestApp } from '../../../test/app.js';
import { createTenant } from '../../../test/factories.js';
import { withPlatformTxBypassingRls } from '../../platform/db/transactions.js';
import { startJobs } from '../../platform/jobs/start-jobs.js';
import { auditJobs } from './audit-jobs.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const metricValue = async (name: string) => {
  const body = (await call(t, null, { method: 'GET', url: '/metrics' })).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
};

describe('the audit-purge job', () => {
  it('purges when run and counts the entries it deleted in the app registry', async () => {
    const tenant = await createTenant(t);
    const id = randomUUID();
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`insert into audit_entries
        (tenant_id, id, correlation_id, event_type, entity_type, created_at, retention_until)
        values (${tenant.id}, ${id}, ${randomUUID()}, 'CREATED', 'site',
          now() - interval '91 days', now() - interval '1 day')`.execute(tx),
    );
    const definitions = auditJobs(t.database.db, { purgeCron: '0 * * * *' });
    expect(definitions.map((job) => job.name)).toEqual(['audit-purge']);
    const jobs = await startJobs({
      db: t.database.db,
      log: t.app.log,
      registry: t.app.metrics,
      jobs: definitions,
      pollingIntervalSeconds: 0.5,
    });
    try {
      await jobs.runNow('audit-purge');
      await expect
        .poll(() => metricValue('facilityflow_audit_purged_entries_total'), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(1);
    } finally {
      await jobs.stop();
    }
    expect(
      await metricValue('facilityflow_job_runs_total{job="audit-purge",outcome="success"}'),
    ).toBe(1);
    expect(await metricValue('facilityflow_idempotency_keys_purged_total')).not.toBeNull();
    expect(await metricValue('facilityflow_search_events_purged_total')).not.toBeNull();
    const left = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx.selectFrom('audit_entries').select('id').where('id', '=', id).execute(),
    );
    expect(left).toEqual([]);
  });

  it('adds the seal job when it is given', () => {
    const run = async () => ({ audit_sealed_entries: 0 });
    const jobs = auditJobs(t.database.db, {
      purgeCron: '0 * * * *',
      seal: { cron: '* * * * *', run },
    });
    expect(jobs.map((job) => [job.name, job.cron])).toEqual([
      ['audit-purge', '0 * * * *'],
      ['audit-seal', '* * * * *'],
    ]);
  });
});
