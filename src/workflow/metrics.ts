import { Counter, type Registry } from 'prom-client';
import { AppError } from '../platform/errors.js';

/** Counters of transitions and refused transitions (SPEC §11), shared by every entity's routes. */
export function transitionCounters(registry: Registry) {
  const existing = (name: string) => registry.getSingleMetric(name) as Counter | undefined;
  const done =
    existing('facilityflow_transitions_total') ??
    new Counter({
      name: 'facilityflow_transitions_total',
      help: 'State transitions applied, by entity and states',
      labelNames: ['entity', 'from_state', 'to_state'] as const,
      registers: [registry],
    });
  const refused =
    existing('facilityflow_transition_failures_total') ??
    new Counter({
      name: 'facilityflow_transition_failures_total',
      help: 'State transitions refused, by entity, error code and business rule',
      labelNames: ['entity', 'code', 'rule'] as const,
      registers: [registry],
    });
  return {
    applied(entity: string, transition: { from_state: string; to_state: string }) {
      done.inc({ entity, from_state: transition.from_state, to_state: transition.to_state });
    },
    refused(entity: string, error: unknown) {
      const code = error instanceof AppError ? error.code : 'INTERNAL_ERROR';
      const rule = error instanceof AppError ? String(error.details?.rule ?? '') : '';
      refused.inc({ entity, code, rule });
    },
  };
}
