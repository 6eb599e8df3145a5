import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import type { SearchAnalyticsRecorder } from './search-analytics.js';

export interface SearchAnalyticsInput {
  from?: string | undefined;
  to?: string | undefined;
}

export interface SearchAnalytics {
  hits: number;
  misses: number;
  hit_rate: number;
  searches: number;
  zero_result_searches: number;
  latency_ms: { p50: number; p95: number };
  top_queries: { query: string; count: number }[];
}

/** The tenant's search figures (SPEC §9: hits, misses, hit rate), from the recorded events. */
export async function getSearchAnalytics(
  ctx: RequestContext,
  recorder: SearchAnalyticsRecorder,
  input: SearchAnalyticsInput,
): Promise<SearchAnalytics> {
  await recorder.flush();
  const range = sql`tenant_id = ${ctx.tenantId}
    ${input.from ? sql`and created_at >= ${input.from}::timestamptz` : sql``}
    ${input.to ? sql`and created_at < ${input.to}::timestamptz` : sql``}`;
  return withTenantTx(ctx, async (tx) => {
    const { rows } = await sql<{
      hits: number;
      misses: number;
      zero: number;
      p50: number | null;
      p95: number | null;
    }>`
      select count(*) filter (where from_cache) as hits,
             count(*) filter (where not from_cache) as misses,
             count(*) filter (where result_count = 0) as zero,
             percentile_cont(0.5) within group (order by latency_ms) as p50,
             percentile_cont(0.95) within group (order by latency_ms) as p95
      from search_events where ${range}`.execute(tx);
    const { rows: top } = await sql<{ query: string; count: number }>`
      select query, count(*) as count from search_events where ${range}
      group by query order by count(*) desc, query limit 10`.execute(tx);
    const { hits, misses, zero, p50, p95 } = rows[0]!;
    const searches = hits + misses;
    return {
      hits,
      misses,
      hit_rate: searches === 0 ? 0 : hits / searches,
      searches,
      zero_result_searches: zero,
      latency_ms: { p50: round(p50), p95: round(p95) },
      top_queries: top,
    };
  });
}

const round = (value: number | null) => Math.round((value ?? 0) * 100) / 100;
