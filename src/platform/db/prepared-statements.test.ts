import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../../test/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('prepared statements', () => {
  it('prepares a parameterised statement once per connection and reuses it', async () => {
    const statement = sql<{ answer: number }>`select ${41}::int + 1 as answer`;
    await t.database.db.connection().execute(async (connection) => {
      const prepared = () =>
        sql<{ name: string; statement: string }>`
          select name, statement from pg_prepared_statements
          where statement like 'select $1::int + 1%'`.execute(connection);
      expect((await statement.execute(connection)).rows).toEqual([{ answer: 42 }]);
      expect((await statement.execute(connection)).rows).toEqual([{ answer: 42 }]);
      const { rows } = await prepared();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toMatch(/^ff_/);
    });
  });

  it('leaves statements without parameters unprepared', async () => {
    await t.database.db.connection().execute(async (connection) => {
      await sql`select 'no parameters here' as text`.execute(connection);
      const { rows } = await sql`
        select 1 from pg_prepared_statements
        where statement like '%no parameters here%' and statement not like '%pg_prepared%'`.execute(
        connection,
      );
      expect(rows).toHaveLength(0);
    });
  });
});
