import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call, onPostgres, type TestApp } from '../../../test/app.js';
import { startJobs, type JobDefinition } from './start-jobs.js';

/** The job runner on the test app's own database (embedded PGlite, or PostgreSQL when set). */

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

/** A job that counts `widgets` each run and says when it ran; fails when `fail` is set. */
function probeJob(name: string, fail = false) {
  const runs: (() => void)[] = [];
  const job: JobDefinition = {
    name,
    cron: '0 0 1 1 *', // once a year: only runNow makes it run during the test
    run: async () => {
      runs.shift()?.();
      if (fail) throw new Error('the probe failed on purpose');
      return { probe_widgets: 3 };
    },
  };
  const nextRun = () =>
    new Promise<void>((resolve, reject) => {
      runs.push(resolve);
      setTimeout(() => reject(new Error(`${name} did not run within 15 s`)), 15_000).unref();
    });
  return { job, nextRun };
}

const timers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('startJobs', () => {
  it('runs a job on demand, counts it in the app registry, and stops cleanly', async () => {
    const timersBefore = timers();
    const ok = probeJob('test-probe');
    const broken = probeJob('test-broken', true);
    // Errors logged, by message: the broken probe's only, none of pg-boss itself.
    const errors: string[] = [];
    const log = Object.create(t.app.log) as typeof t.app.log;
    log.error = (...args: unknown[]) => void errors.push(String(args.at(-1)));
    const jobs = await startJobs({
      db: t.database.db,
      log,
      registry: t.app.metrics,
      jobs: [ok.job, broken.job],
      pollingIntervalSeconds: 0.5,
    });
    try {
      const ran = ok.nextRun();
      const failed = broken.nextRun();
      await jobs.runNow('test-probe');
      await jobs.runNow('test-broken');
      await Promise.all([ran, failed]);
      // The metrics are counted just after the run returns.
      await expect
        .poll(async () => (await call(t, null, { method: 'GET', url: '/metrics' })).body, {
          timeout: 5000,
        })
        .toMatch(/facilityflow_job_runs_total\{job="test-broken",outcome="failure"\} 1/);
      const metrics = (await call(t, null, { method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        /facilityflow_job_runs_total\{job="test-probe",outcome="success"\} 1/,
      );
      expect(metrics).toMatch(/facilityflow_probe_widgets_total 3/);
      await expect(jobs.runNow('unknown')).rejects.toThrow(/No job named unknown/);
    } finally {
      await jobs.stop();
    }
    expect(errors).toEqual(['background job failed']);
    // pg-boss's pollers and monitors are gone: no timer of it keeps the process alive.
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    // The database is still the app's and still works.
    const health = await call(t, null, { method: 'GET', url: '/readyz' });
    expect(health.statusCode).toBe(200);
  });

  it.runIf(onPostgres)('lets processes starting together create the same new queues', async () => {
    // As several server processes started at once on a new database: each creates every queue.
    const names = Array.from({ length: 4 }, (_, i) => `test-together-${randomUUID()}-${i}`);
    const starts = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        startJobs({
          db: t.database.db,
          log: t.app.log,
          registry: new Registry(),
          jobs: names.map((name) => probeJob(name).job),
        }),
      ),
    );
    const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    await Promise.all(started.map((jobs) => jobs.stop()));
    expect(starts.filter((start) => start.status === 'rejected')).toEqual([]);
  });
});
