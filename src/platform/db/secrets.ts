import type { Kysely } from 'kysely';
import type { DB } from './tables.js';

/**
 * The key that signs pagination cursors: made by the migration and kept in the database, so every
 * server process on it accepts the cursors of the others.
 */
export async function loadCursorKey(db: Kysely<DB>): Promise<Buffer> {
  const row = await db
    .selectFrom('platform_secrets')
    .select('value')
    .where('name', '=', 'cursor')
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'hex');
}
