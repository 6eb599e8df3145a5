import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import type { Page } from '../../platform/pagination.js';
import { COMMON_SORTS, sortByColumn } from '../../platform/records/filters.js';
import { listRecords, type ListRequest } from '../../platform/records/read-records.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import type { RoleRecord } from './schemas.js';

const ROLES: RecordTable = {
  table: 'roles',
  entityType: 'role',
  entityName: 'Role',
  columns: ['name', 'description', 'permissions'],
  softDelete: false,
};

const ROLES_LIST: ListSpec = {
  sorts: { ...COMMON_SORTS, name: sortByColumn('name', 'text') },
  defaultSort: 'name',
  filters: {},
};

export function listRoles(ctx: RequestContext, request: ListRequest): Promise<Page<RoleRecord>> {
  return withTenantTx(
    ctx,
    (tx) => listRecords(tx, ctx, ROLES, ROLES_LIST, request) as Promise<Page<RoleRecord>>,
  );
}
