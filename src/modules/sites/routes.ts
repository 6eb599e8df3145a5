import { recordRoutes } from '../../platform/http/record-routes.js';
import { sites } from './site-records.js';
import { CreateSiteBody, ListSitesQuery, SiteSchema, UpdateSiteBody } from './schemas.js';

export const siteRoutes = recordRoutes({
  path: '/sites',
  tag: 'sites',
  schemas: {
    record: SiteSchema,
    create: CreateSiteBody,
    update: UpdateSiteBody,
    listQuery: ListSitesQuery,
  },
  permissions: { create: 'sites.manage', update: 'sites.manage', delete: 'sites.manage' },
  service: sites,
});
