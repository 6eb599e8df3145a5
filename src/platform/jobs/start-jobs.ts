import { CompiledQuery, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { DB } from '../db/tables.js';
import { jobMetrics } from './job-metrics.js';

/** A recurring job: what it counted is logged and added to `facilityflow_<count>_total`. */
export interface JobDefinition {
  /** The pg-boss queue name, and the `job` label of its metrics. */
  name: string;
  /** When it runs (five cron fields, UTC). */
  cron: string;
  run: () => Promise<Record<string, number>>;
}

export interface JobsOptions {
  db: Kysely<DB>;
  log: FastifyBaseLogger;
  registry: Registry;
  jobs: readonly JobDefinition[];
  /** How often a worker asks for work (pg-boss's default is 2 s; at least 0.5). */
  pollingIntervalSeconds?: number;
}

export interface Jobs {
  /** Queues a run of `name` now, beside its schedule (a run already queued is not doubled). */
  runNow(name: string): Promise<void>;
  /** Stops scheduling and polling, waits for a run in progress, and lets go of the database. */
  stop(): Promise<void>;
}

/** How long `stop` waits for a run in progress before failing it. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * Starts the recurring jobs on pg-boss, in the app's own database and through the app's own
 * pool (ADR 0001): pg-boss keeps its tables in the `pgboss` schema and sends every statement
 * through `db`, so embedded PGlite works as PostgreSQL does. Any number of processes may run
 * this: pg-boss's cron fires once per slot, and a job's queue runs one job at a time.
 */
export async function startJobs(options: JobsOptions): Promise<Jobs> {
  const { db, log, jobs } = options;
  const metrics = jobMetrics(options.registry);
  const boss = new PgBoss({
    db: {
      executeSql: async (text: string, values: unknown[] = []) => {
        const result = await db.executeQuery(CompiledQuery.raw(text, values));
        return { rows: result.rows as unknown[] };
      },
    },
  });
  boss.on('error', (error: Error) => log.error({ err: error }, 'background jobs: pg-boss error'));
  await boss.start();

  try {
    for (const job of jobs) {
      await createQueue(boss, job.name);
      await boss.schedule(job.name, job.cron, {}, { tz: 'UTC' });
      const work = options.pollingIntervalSeconds
        ? { pollingIntervalSeconds: options.pollingIntervalSeconds }
        : {};
      await boss.work(job.name, work, async () => {
        const started = performance.now();
        try {
          const counts = await job.run();
          metrics.succeeded(job.name, counts);
          log.info(
            { ...counts, job: job.name, duration_ms: Math.round(performance.now() - started) },
            'background job ran',
          );
        } catch (error) {
          metrics.failed(job.name);
          log.error({ err: error, job: job.name }, 'background job failed');
          throw error;
        }
      });
    }
  } catch (error) {
    // A start that fails half-way must not leave pg-boss polling behind it.
    await boss.stop({ graceful: false }).catch(() => {});
    throw error;
  }
  log.info({ jobs: jobs.map((job) => job.name) }, 'background jobs started');

  return {
    runNow: async (name) => {
      if (!jobs.some((job) => job.name === name)) throw new Error(`No job named ${name}`);
      await boss.send(name, {});
    },
    stop: () => boss.stop({ graceful: true, timeout: STOP_TIMEOUT_MS }),
  };
}

const DEADLOCK_DETECTED = '40P01';
const QUEUE_ATTEMPTS = 5;

/**
 * Creates the job's queue unless it exists. pg-boss makes a new queue's table in one statement,
 * and processes starting together on a new database deadlock there: PostgreSQL fails all but
 * one, whose queue the others then find on their retry.
 */
async function createQueue(boss: PgBoss, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // stately: at most one run waiting and one running, however many processes schedule it.
      await boss.createQueue(name, { name, policy: 'stately', retryLimit: 0 });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt === QUEUE_ATTEMPTS)
        throw error;
    }
  }
}
