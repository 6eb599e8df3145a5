import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Statements with more parameters than this (multi-row inserts) are planned each time. */
const MAX_PREPARED_PARAMETERS = 64;

/**
 * Distinct statement texts this process names. The code builds a bounded set of them (filters
 * and columns vary, values are parameters); past this, new texts simply go unprepared.
 */
const MAX_NAMED_STATEMENTS = 2000;

const names = new Map<string, string>();

/** The statement's name on every connection (the same text, the same name), if it gets one. */
function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (!name && names.size < MAX_NAMED_STATEMENTS) {
    name = `ff_${createHash('sha1').update(text).digest('base64url')}`;
    names.set(text, name);
  }
  return name;
}

/**
 * A pool whose connections prepare each parameterised statement once and reuse it (ADR 0006):
 * the server parses and plans a statement per connection, not per call. A statement without
 * parameters (BEGIN with the tenant scope) goes over the simple protocol, as before.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      const query = (text: unknown, parameters?: readonly unknown[]) => {
        // A cursor (streamed results) passes through as it is.
        if (typeof text !== 'string') return client.query(text as pg.Submittable);
        const values = [...(parameters ?? [])];
        const name =
          values.length > 0 && values.length <= MAX_PREPARED_PARAMETERS ? nameOf(text) : undefined;
        return name ? client.query({ name, text, values }) : client.query(text, values);
      };
      return {
        query: query as unknown as PostgresPoolClient['query'],
        // Never hand the next caller a connection left inside a transaction.
        release: (destroy?: boolean) => {
          const status = client.getTransactionStatus();
          client.release(destroy || (status !== null && status !== 'I'));
        },
      };
    },
    end: () => pool.end(),
  };
}
