import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { notFound } from '../../platform/errors.js';
import { assertOffsetPage, offsetPage, type Page } from '../../platform/pagination.js';
import { findPerson, selectPeople } from './repository.js';
import type { ListPeopleFilter, PersonRecord } from './schemas.js';

export async function getPerson(ctx: RequestContext, id: string): Promise<PersonRecord> {
  const person = await withTenantTx(ctx, (tx) => findPerson(tx, ctx.tenantId, id));
  if (!person) throw notFound('Person');
  return person;
}

export async function listPeople(
  ctx: RequestContext,
  filter: ListPeopleFilter,
): Promise<Page<PersonRecord>> {
  const page = filter.page ?? 1;
  const pageSize = filter.page_size ?? 25;
  assertOffsetPage(page);
  return withTenantTx(ctx, async (tx) => {
    let query = selectPeople(tx).where('p.tenant_id', '=', ctx.tenantId);
    if (filter.site_id) query = query.where('p.site_id', '=', filter.site_id);
    if (filter.is_active !== undefined) query = query.where('p.is_active', '=', filter.is_active);
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`;
      query = query.where((eb) =>
        eb.or([eb('p.name', 'ilike', pattern), eb('p.login', 'ilike', pattern)]),
      );
    }
    const [rows, count] = await Promise.all([
      query
        .orderBy('p.name')
        .orderBy('p.id')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute(),
      query
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow(),
    ]);
    return offsetPage(rows as PersonRecord[], count.total, page, pageSize);
  });
}
