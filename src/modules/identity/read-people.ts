import { sql } from 'kysely';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import type { Page } from '../../platform/pagination.js';
import {
  COMMON_SORTS,
  containsText,
  equals,
  sortByColumn,
} from '../../platform/records/filters.js';
import { listRecords } from '../../platform/records/read-records.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { findPerson } from './repository.js';
import type { ListPeopleFilter, PersonRecord } from './schemas.js';

export async function getPerson(ctx: RequestContext, id: string): Promise<PersonRecord> {
  const person = await withTenantTx(ctx, (tx) => findPerson(tx, ctx.tenantId, id));
  if (!person) throw notFound('Person');
  return person;
}

const PEOPLE: RecordTable = {
  table: 'people',
  entityType: 'person',
  entityName: 'Person',
  columns: ['login', 'name', 'email', 'phone', 'site_id', 'is_active'],
  computed: {
    role_ids: sql`array(
      select role_id from person_roles pr
      where pr.tenant_id = r.tenant_id and pr.person_id = r.id order by role_id)`,
  },
};

const PEOPLE_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    name: sortByColumn('name', 'text'),
    login: sortByColumn('login', 'text'),
  },
  defaultSort: 'name',
  filters: {
    site_id: equals('site_id'),
    is_active: equals('is_active'),
    q: containsText('name', 'login'),
  },
};

export function listPeople(
  ctx: RequestContext,
  filter: ListPeopleFilter,
): Promise<Page<PersonRecord>> {
  return withTenantTx(
    ctx,
    (tx) => listRecords(tx, ctx, PEOPLE, PEOPLE_LIST, filter) as Promise<Page<PersonRecord>>,
  );
}
