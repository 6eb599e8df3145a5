import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from './platform/db/database.js';
import { workflowDiagram } from './workflow/index.js';
import { WORKFLOWS } from './workflows.js';

const BIN = fileURLToPath(new URL('../bin/facilityflow.js', import.meta.url));
/** Where a database would go if the command opened one: it must not appear. */
const DATA_DIR = join(tmpdir(), `facilityflow-cli-${process.pid}`, 'data');

/** `npx facilityflow <args>`, pointed at databases that cannot be opened unless `env` says. */
function facilityflow(...args: string[]) {
  return facilityflowIn({ DATA_DIR, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, ...args);
}

function facilityflowIn(env: NodeJS.ProcessEnv, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

describe('facilityflow diagram <entity>', () => {
  it('prints each Mermaid diagram by entity or path, without opening a database', async () => {
    // Entities by either name: work_order as work-orders, the others by entity.
    const names = WORKFLOWS.map((workflow, i) => (i === 0 ? workflow.path : workflow.entity));
    const runs = await Promise.all(names.map((name) => facilityflow('diagram', name)));
    runs.forEach((run, i) => {
      const workflow = WORKFLOWS[i]!;
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(workflowDiagram(workflow));
      expect(run.stdout).toMatch(
        new RegExp(`^stateDiagram-v2\\n {4}\\[\\*\\] --> ${workflow.initial}\\n`),
      );
    });
    expect(existsSync(DATA_DIR)).toBe(false);
  });

  it('answers an unknown or missing entity with the valid names and exit code 2', async () => {
    const [unknown, missing] = await Promise.all([
      facilityflow('diagram', 'boiler'),
      facilityflow('diagram'),
    ]);
    for (const run of [unknown, missing]) {
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      for (const workflow of WORKFLOWS) expect(run.stderr).toContain(workflow.entity);
    }
    expect(unknown.stderr).toContain('"boiler"');
  });
});

describe('facilityflow audit purge', () => {
  it('purges the embedded database once and prints the counts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'facilityflow-purge-'));
    // An empty DATABASE_URL counts as unset: the embedded database in DATA_DIR.
    const env = { DATA_DIR: dataDir, DATABASE_URL: '' };
    try {
      expect((await facilityflowIn(env, 'migrate')).code).toBe(0);
      const tenantId = randomUUID();
      const database = await openDatabase({ kind: 'embedded', dataDir });
      try {
        await sql`insert into tenants (id, name, slug) values (${tenantId}, 'Purged', ${`p-${tenantId.slice(0, 8)}`})`.execute(
          database.db,
        );
        for (const expiresIn of ['-2 days', '-1 day', '1 day']) {
          await sql`insert into audit_entries
            (tenant_id, correlation_id, event_type, entity_type, created_at, retention_until)
            values (${tenantId}, ${randomUUID()}, 'CREATED', 'site', now() - interval '100 days',
              now() + ${expiresIn}::interval)`.execute(database.db);
        }
      } finally {
        await database.close();
      }

      const run = await facilityflowIn(env, 'audit', 'purge');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Audit entries deleted: 2 (1 batch)');
      expect(run.stdout).toContain('Tenants on legal hold (left alone): 0');
      expect(run.stdout).toContain('Idempotency keys deleted: 0');
      expect(run.stdout).toContain('Search events deleted: 0');

      const reopened = await openDatabase({ kind: 'embedded', dataDir });
      try {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_entries
          where tenant_id = ${tenantId}`.execute(reopened.db);
        expect(rows[0]!.n).toBe(1);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Three processes each open a new embedded database: slow on a loaded machine.
  }, 90_000);

  it('answers an unknown audit subcommand with the usage and exit code 2', async () => {
    const run = await facilityflow('audit', 'shred');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('audit purge');
  });
});
