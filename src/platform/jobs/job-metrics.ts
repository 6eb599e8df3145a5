import { Counter, type Registry } from 'prom-client';

const METRIC_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Job runs by outcome, and what the runs counted: a count `audit_purged_entries` adds up in
 * `facilityflow_audit_purged_entries_total` (one counter per count name, made on first use).
 */
export function jobMetrics(registry: Registry) {
  const runs = counter(registry, {
    name: 'facilityflow_job_runs_total',
    help: 'Background job runs by job and outcome',
    labelNames: ['job', 'outcome'],
  });
  const counters = new Map<string, Counter>();
  const counterOf = (count: string, job: string) => {
    let found = counters.get(count);
    if (!found) {
      if (!METRIC_NAME.test(count)) throw new Error(`Job ${job}: bad count name "${count}"`);
      found = counter(registry, {
        name: `facilityflow_${count}_total`,
        help: `Counted by the ${job} job`,
      });
      counters.set(count, found);
    }
    return found;
  };
  return {
    succeeded(job: string, counts: Record<string, number>) {
      runs.inc({ job, outcome: 'success' });
      for (const [count, value] of Object.entries(counts)) counterOf(count, job).inc(value);
    },
    failed(job: string) {
      runs.inc({ job, outcome: 'failure' });
    },
  };
}

/** The registry's counter of that name, made if it is not there yet (jobs restarted on one app). */
function counter(
  registry: Registry,
  config: { name: string; help: string; labelNames?: string[] },
): Counter {
  const existing = registry.getSingleMetric(config.name);
  if (existing instanceof Counter) return existing;
  return new Counter({ ...config, registers: [registry] });
}
