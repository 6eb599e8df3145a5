import { sql, type Kysely } from 'kysely';
import { redactText } from '../../platform/audit/redaction.js';
import type { DB } from '../../platform/db/tables.js';
import { withTenantTx } from '../../platform/db/transactions.js';

/** One search, as analytics records it (SPEC §9 and issue 6: query, entities, results, latency, cache). */
export interface SearchEvent {
  tenantId: string;
  actorId: string;
  query: string;
  entities: readonly string[];
  resultCount: number;
  latencyMs: number;
  fromCache: boolean;
}

export interface SearchAnalyticsRecorder {
  record(event: SearchEvent): void;
  /** Writes what is buffered (before reading analytics, and on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const FLUSH_EVERY_MS = 1000;
const FLUSH_AT = 200;

/**
 * Search events are buffered and written in batches, one transaction per tenant, off the request
 * path: a cached answer must not wait for an INSERT. A process that dies loses at most a second.
 */
export function searchAnalyticsRecorder(
  db: Kysely<DB>,
  onError: (error: unknown) => void,
): SearchAnalyticsRecorder {
  let buffer: SearchEvent[] = [];
  let writing: Promise<void> = Promise.resolve();
  const write = async (events: SearchEvent[]) => {
    const byTenant = new Map<string, SearchEvent[]>();
    for (const event of events) {
      byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
    }
    for (const [tenantId, batch] of byTenant) {
      await withTenantTx({ db, tenantId }, (tx) =>
        sql`insert into search_events
              (tenant_id, actor_id, query, entities, result_count, latency_ms, from_cache)
            select ${tenantId}, a, q, string_to_array(e, ','), n, l, c
            from unnest(${batch.map((e) => e.actorId)}::uuid[], ${batch.map((e) => redactText(e.query))}::text[],
                        ${batch.map((e) => e.entities.join(','))}::text[], ${batch.map((e) => e.resultCount)}::int[],
                        ${batch.map((e) => e.latencyMs)}::real[], ${batch.map((e) => e.fromCache)}::boolean[])
                 as t(a, q, e, n, l, c)`.execute(tx),
      ).catch(onError);
    }
  };
  const flush = () => {
    const events = buffer;
    buffer = [];
    if (events.length > 0) writing = writing.then(() => write(events));
    return writing;
  };
  const timer = setInterval(() => void flush(), FLUSH_EVERY_MS);
  timer.unref();
  return {
    record(event) {
      buffer.push(event);
      if (buffer.length >= FLUSH_AT) void flush();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
