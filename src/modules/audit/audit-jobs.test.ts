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

const SCHEDULE = { purgeCron: '0 * * * *', sealCron: '* * * * *' };

describe('the audit jobs', () => {
  it('purges when run and counts the entries it deleted in the app registry', async () => {
    const tenant = await createTenant(t);
    const id = randomUUID();
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`insert into audit_entries
        (tenant_id, id, correlation_id, event_type, entity_type, created_at, retention_until)
        values (${tenant.id}, ${id}, ${randomUUID()}, 'CREATED', 'site',
          now() - interval '91 days', now() - interval '1 day')`.execute(tx),
    );
    const definitions = auditJobs(t.database.db, SCHEDULE);
    expect(definitions.map((job) => [job.name, job.cron])).toEqual([
      ['audit-purge', '0 * * * *'],
      ['audit-seal', '* * * * *'],
    ]);
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

  it('seals new entries when run and counts them in the app registry', async () => {
    const tenant = await createTenant(t);
    // Older than the sealer's one-second margin, so the first run takes it.
    await withPlatformTxBypassingRls(t.database.db, (tx) =>
      sql`insert into audit_entries
        (tenant_id, id, correlation_id, event_type, entity_type, created_at, retention_until)
        values (${tenant.id}, ${randomUUID()}, ${randomUUID()}, 'CREATED', 'site',
          now() - interval '1 minute', now() + interval '90 days')`.execute(tx),
    );
    const jobs = await startJobs({
      db: t.database.db,
      log: t.app.log,
      registry: t.app.metrics,
      jobs: auditJobs(t.database.db, SCHEDULE),
      pollingIntervalSeconds: 0.5,
    });
    try {
      await jobs.runNow('audit-seal');
      await expect
        .poll(() => metricValue('facilityflow_audit_sealed_entries_total'), { timeout: 15_000 })
        .toBeGreaterThanOrEqual(1);
    } finally {
      await jobs.stop();
    }
    const seals = await withPlatformTxBypassingRls(t.database.db, (tx) =>
      tx.selectFrom('audit_seals').select('seq').where('tenant_id', '=', tenant.id).execute(),
    );
    expect(seals.length).toBeGreaterThanOrEqual(1);
  });
});
