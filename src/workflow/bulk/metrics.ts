import { Counter, type Registry } from 'prom-client';
import type { BulkReport } from './bulk-report.js';

/** Bulk requests and their records (SPEC §11: the success rate is succeeded / all items). */
export function bulkCounters(registry: Registry) {
  const existing = (name: string) => registry.getSingleMetric(name) as Counter | undefined;
  const requests =
    existing('facilityflow_bulk_requests_total') ??
    new Counter({
      name: 'facilityflow_bulk_requests_total',
      help: 'Bulk requests answered, by operation and outcome (committed, rolled_back, dry_run)',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    });
  const items =
    existing('facilityflow_bulk_items_total') ??
    new Counter({
      name: 'facilityflow_bulk_items_total',
      help: 'Records of bulk requests, by operation and result (succeeded, failed)',
      labelNames: ['operation', 'result'] as const,
      registers: [registry],
    });
  return {
    answered(report: BulkReport) {
      const operation = report.operation_type;
      const outcome = report.dry_run
        ? 'dry_run'
        : report.was_rolled_back
          ? 'rolled_back'
          : 'committed';
      requests.inc({ operation, outcome });
      if (report.dry_run) return;
      items.inc({ operation, result: 'succeeded' }, report.successful_items);
      items.inc({ operation, result: 'failed' }, report.failed_items);
    },
  };
}
