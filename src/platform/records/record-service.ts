import type { RequestContext } from '../context.js';
import { withTenantTx, type Tx } from '../db/transactions.js';
import { AppError, notFound } from '../errors.js';
import type { ExpectedVersion } from '../optimistic-lock.js';
import type { Page } from '../pagination.js';
import { authorizeAssignment } from './assignment.js';
import { findRecord, listRecords, type ListRequest } from './read-records.js';
import type { ListSpec, RecordRow, RecordTable } from './record-table.js';
import { assertReferencesExist, type Reference } from './references.js';
import { deleteRecord, insertRecord, updateRecord } from './write-records.js';

/** The five operations every record path offers (SPEC §4), each in one tenant transaction. */
export interface RecordService<Create, Update> {
  list(ctx: RequestContext, request: ListRequest): Promise<Page<RecordRow>>;
  get(ctx: RequestContext, id: string): Promise<RecordRow>;
  create(ctx: RequestContext, input: Create): Promise<RecordRow>;
  update(
    ctx: RequestContext,
    id: string,
    input: Update,
    expected: ExpectedVersion | null,
  ): Promise<RecordRow>;
  remove(ctx: RequestContext, id: string, expected: ExpectedVersion | null): Promise<void>;
}

export interface RecordServiceOptions<Create, Update> {
  table: RecordTable;
  list: ListSpec;
  /** Checks beyond the schema (a time zone exists, a polygon is closed): throw a 400. */
  validate?: (input: Partial<Create> | Update) => void;
  /** The other records an input names; each must be a live record of the tenant. */
  references?: (input: Partial<Create> | Update) => Reference[];
  /** Turns a valid create input into column values (numbers, defaults from other records). */
  prepareCreate?: (tx: Tx, ctx: RequestContext, input: Create) => Promise<RecordRow>;
}

export function recordService<Create extends object, Update extends { version?: number }>(
  options: RecordServiceOptions<Create, Update>,
): RecordService<Create, Update> {
  const { table } = options;
  const checkReferences = (tx: Tx, ctx: RequestContext, input: Partial<Create> | Update) =>
    assertReferencesExist(tx, ctx.tenantId, options.references?.(input) ?? []);
  return {
    list: (ctx, request) =>
      withTenantTx(ctx, (tx) => listRecords(tx, ctx, table, options.list, request)),

    async get(ctx, id) {
      const record = await withTenantTx(ctx, (tx) => findRecord(tx, table, ctx.tenantId, id));
      if (!record) throw notFound(table.entityName);
      return record;
    },

    async create(ctx, input) {
      options.validate?.(input);
      await authorizeAssignment(ctx, table, input, 'create');
      return withTenantTx(ctx, async (tx) => {
        await checkReferences(tx, ctx, input);
        const values = options.prepareCreate
          ? await options.prepareCreate(tx, ctx, input)
          : (input as RecordRow);
        return insertRecord(tx, ctx, table, values);
      });
    },

    async update(ctx, id, input, expected) {
      const { version: _version, ...set } = input;
      if (Object.keys(set).length === 0) {
        throw new AppError('VALIDATION_ERROR', { message: 'Nothing to update' });
      }
      options.validate?.(input);
      await authorizeAssignment(ctx, table, input, 'update');
      return withTenantTx(ctx, async (tx) => {
        await checkReferences(tx, ctx, input);
        return (await updateRecord(tx, ctx, table, id, expected, set)).record;
      });
    },

    remove: (ctx, id, expected) =>
      withTenantTx(ctx, (tx) => deleteRecord(tx, ctx, table, id, expected)),
  };
}
