import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './config.js';
import { loadOrStoreDemoTokens, seedDemo } from './demo/seed-demo.js';
import { DataDirLockedError } from './platform/db/lock-file.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { openConfiguredDatabase, serve } from './main.js';

const USAGE = `Usage: facilityflow <command>

Commands:
  serve     run the HTTP server (migrates first; seeds the demo tenant on a new embedded database)
  migrate   apply pending database migrations
  seed      create the demo tenant if it does not exist, and print its tokens`;

async function run(command: string | undefined): Promise<void> {
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
    default:
      console.error(USAGE);
      process.exitCode = command ? 2 : 0;
  }
}

run(process.argv[2]).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    console.error(error.message);
  } else {
    console.error(error);
  }
  process.exit(1);
});
