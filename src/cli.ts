import { resolve } from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loadOrStoreDemoTokens, seedDemo } from './demo/seed-demo.js';
import { DataDirLockedError } from './platform/db/lock-file.js';
import { migrateToLatest } from './platform/db/migrate.js';
import {
  purgeExpiredAuditEntries,
  verifyAuditTrails,
  type TenantVerification,
} from './modules/audit/index.js';
import { openConfiguredDatabase, serve } from './main.js';
import { findWorkflow, workflowDiagram } from './workflow/index.js';
import { WORKFLOWS } from './workflows.js';

const USAGE = `Usage: facilityflow <command>

Commands:
  serve             run the HTTP server (migrates first; seeds the demo tenant on a new
                    embedded database)
  migrate           apply pending database migrations
  seed              create the demo tenant if it does not exist, and print its tokens
  audit purge       delete expired audit entries (tenants on legal hold excepted), expired
                    idempotency keys and old search events, and print the counts
  audit verify [--tenant <slug>]
                    check every tenant's audit trail (or one's) against its seals: a line per
                    tenant and per problem; exit code 1 when a problem is found
  diagram <entity>  print a state machine as a Mermaid diagram (${entityNames()})`;

function entityNames(): string {
  return WORKFLOWS.map((workflow) => workflow.entity).join(', ');
}

async function run(command: string | undefined, args: string[]): Promise<void> {
  // Needs neither the configuration nor the database.
  if (command === 'diagram') return printDiagram(args[0]);
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate': {
      const database = await openConfiguredDatabase(config);
      try {
        const { results } = await migrateToLatest(database.db);
        const applied = results?.filter((r) => r.status === 'Success') ?? [];
        console.log(
          applied.length === 0
            ? 'The database is up to date.'
            : `Applied: ${applied.map((r) => r.migrationName).join(', ')}`,
        );
      } finally {
        await database.close();
      }
      return;
    }
    case 'seed': {
      const database = await openConfiguredDatabase(config);
      try {
        await migrateToLatest(database.db);
        const seeded = await seedDemo(database.db);
        const tokens =
          database.kind === 'embedded'
            ? loadOrStoreDemoTokens(resolve(config.dataDir), seeded)
            : seeded;
        if (!seeded) console.log('The demo tenant already exists.');
        if (tokens) console.log(JSON.stringify(tokens, null, 2));
      } finally {
        await database.close();
      }
      return;
    }
    case 'audit':
      return runAudit(config, args);
    default:
      console.error(USAGE);
      process.exitCode = command ? 2 : 0;
  }
}

/** `audit <subcommand>`: an unknown subcommand is a usage error. */
async function runAudit(config: Config, [subcommand, ...args]: string[]): Promise<void> {
  if (subcommand === 'verify') return auditVerify(config, args);
  if (subcommand === 'purge' && args.length === 0) return purgeOnce(config);
  console.error(USAGE);
  process.exitCode = 2;
}

/** `audit verify [--tenant <slug>]`: exit code 1 when a problem is found, 2 for an unknown tenant. */
async function auditVerify(config: Config, args: string[]): Promise<void> {
  const flag = parseTenantFlag(args);
  if (flag === 'invalid') {
    console.error(USAGE);
    process.exitCode = 2;
    return;
  }
  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const verified = await verifyAuditTrails(
      database.db,
      flag === undefined ? {} : { tenantSlug: flag },
    );
    if (!verified) {
      console.error(`Unknown tenant "${flag}".`);
      process.exitCode = 2;
      return;
    }
    for (const tenant of verified) console.log(describeVerification(tenant));
    process.exitCode = verified.every(({ report }) => report.ok) ? 0 : 1;
  } finally {
    await database.close();
  }
}

/** `audit purge`: the retention purge the server runs on AUDIT_PURGE_CRON, once, now. */
async function purgeOnce(config: Config): Promise<void> {
  const database = await openConfiguredDatabase(config);
  try {
    await migrateToLatest(database.db);
    const result = await purgeExpiredAuditEntries(database.db);
    console.log(
      [
        `Audit entries deleted: ${result.deleted} (${result.batches} ${result.batches === 1 ? 'batch' : 'batches'})`,
        `Tenants on legal hold (left alone): ${result.tenantsOnHold}`,
        `Idempotency keys deleted: ${result.idempotencyKeysDeleted}`,
        `Search events deleted: ${result.searchEventsDeleted}`,
      ].join('\n'),
    );
  } finally {
    await database.close();
  }
}

/** `--tenant <slug>` or `--tenant=<slug>`; anything else is invalid. */
function parseTenantFlag(args: string[]): string | undefined | 'invalid' {
  if (args.length === 0) return undefined;
  const [first, second] = args;
  if (args.length === 1 && first!.startsWith('--tenant=')) return first!.slice('--tenant='.length);
  if (args.length === 2 && first === '--tenant' && second) return second;
  return 'invalid';
}

function describeVerification({ slug, report }: TenantVerification): string {
  const counts =
    `${report.seals_checked} seals, ${report.entries_checked} entries checked, ` +
    `${report.purged_entries} purged, ${report.unsealed_entries} unsealed`;
  const lines = [
    `${slug} (${report.tenant_id}): ${report.ok ? 'ok' : `${report.problem_count} problems`}; ${counts}`,
    ...report.problems.map((problem) => `  ${problem.kind}: ${problem.message}`),
  ];
  const unlisted = report.problem_count - report.problems.length;
  if (unlisted > 0) lines.push(`  ... and ${unlisted} more`);
  return lines.join('\n');
}

/** The definition as the engine runs it (SPEC §6); an unknown entity is a usage error. */
function printDiagram(name: string | undefined): void {
  const workflow = name === undefined ? undefined : findWorkflow(WORKFLOWS, name);
  if (!workflow) {
    console.error(
      `${name === undefined ? 'Name an entity' : `Unknown entity "${name}"`}: one of ${entityNames()}` +
        ` (or its path: ${WORKFLOWS.map((w) => w.path).join(', ')}).`,
    );
    process.exitCode = 2;
    return;
  }
  process.stdout.write(workflowDiagram(workflow));
}

run(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
