import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anHourAgo, asIntruder, insertEntries, insertTenant } from '../test/audit-seals.js';
import { sealAuditEntries } from './modules/audit/index.js';
import { openDatabase, type Database } from './platform/db/database.js';
import { migrateToLatest } from './platform/db/migrate.js';

const BIN = fileURLToPath(new URL('../bin/facilityflow.js', import.meta.url));

/** An embedded data folder of this test's own, in a temporary folder. */
let root: string;
let dataDir: string;
let slugs: string[];
let tampered: string[];

/** `npx facilityflow <args>` on the embedded database in `dataDir`, whatever the test runs on. */
function facilityflow(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Opens the data folder in this process (the CLI must not be running: it locks the folder). */
async function withDataDir<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase({ kind: 'embedded', dataDir });
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'facilityflow-audit-verify-'));
  dataDir = join(root, 'data');
  ({ slugs, tampered } = await withDataDir(async ({ db }) => {
    await migrateToLatest(db);
    const ids = [await insertTenant(db), await insertTenant(db)];
    const entries: string[][] = [];
    for (const id of ids) entries.push(await insertEntries(db, id, 4, { createdAt: anHourAgo() }));
    await sealAuditEntries(db);
    const rows = await db.selectFrom('tenants').select(['id', 'slug']).execute();
    return {
      slugs: ids.map((id) => rows.find((row) => row.id === id)!.slug),
      tampered: entries[1]!,
    };
  }));
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('facilityflow audit verify', () => {
  it('prints a line per tenant and exits 0 on untouched trails; 2 for an unknown tenant', async () => {
    const all = await facilityflow('audit', 'verify');
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    for (const slug of slugs) {
      expect(all.stdout).toMatch(
        new RegExp(`^${slug} \\(.+\\): ok; 1 seals, 4 entries checked`, 'm'),
      );
    }

    const unknown = await facilityflow('audit', 'verify', '--tenant', 'no-such-tenant');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown tenant "no-such-tenant"');

    const malformed = await facilityflow('audit', 'verify', '--tenant');
    expect(malformed.code).toBe(2);
  }, 60_000);

  it('prints each problem and exits 1 when a trail was tampered with', async () => {
    await withDataDir((database) =>
      asIntruder(database.db, (tx) =>
        sql`update audit_entries set metadata = '{}' where id = ${tampered[2]}`.execute(tx),
      ),
    );
    const run = await facilityflow('audit', 'verify');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`^${slugs[0]} \\(.+\\): ok;`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${slugs[1]} \\(.+\\): 1 problems;`, 'm'));
    expect(run.stdout).toContain(`  ALTERED: Audit entry ${tampered[2]} (seal 1)`);

    const other = await facilityflow('audit', 'verify', '--tenant', slugs[0]!);
    expect(other.code).toBe(0);
    expect(other.stdout.trim().split('\n')).toHaveLength(1);
  }, 60_000);
});
