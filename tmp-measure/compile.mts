import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase } from '/work/main/src/platform/db/database.ts';
import { auditInserts, UPDATED_ROW } from '/work/main/src/platform/audit/record-audit.ts';
import { UPDATED_ROW as U } from '/work/main/src/platform/db/versioned-update.ts';
const database = await openDatabase({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/ff_bench_c' });
const db = database.db;
const source = { tenantId: randomUUID(), correlationId: randomUUID(), ipAddress: '127.0.0.1', userAgent: 'x', actorId: randomUUID(), tenant: { retentionDays: 90, piiKeys: [] } };
const ev = () => ({ eventType: 'STATE_CHANGED' as const, entityType: 'ticket', entityId: randomUUID(), changes: { status: { old: 'OPEN', new: 'INPROGRESS' } }, metadata: { version: 3 }, stateTransition: { fromState: 'OPEN', toState: 'INPROGRESS', transitionReason: null, transitionDurationSeconds: 12.5 } });
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let i = 0; i < 10000; i++) { const a = auditInserts(source, [ev()], U); sql`with x as (select 1), ${sql.join(a.ctes)} select 1`.compile(db); }
  const withAudit = (performance.now() - t0) / 10000 * 1000;
  t0 = performance.now();
  for (let i = 0; i < 10000; i++) { sql`with x as (select 1) select 1`.compile(db); }
  console.log('audit build+compile µs', withAudit.toFixed(1), 'plain compile µs', ((performance.now() - t0) / 10000 * 1000).toFixed(1));
}
await database.close();
