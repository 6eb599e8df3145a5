import { recordRoutes } from '../../platform/http/record-routes.js';
import { assets } from './asset-records.js';
import { AssetSchema, CreateAssetBody, ListAssetsQuery, UpdateAssetBody } from './schemas.js';

export const assetRoutes = recordRoutes({
  path: '/assets',
  tag: 'assets',
  schemas: {
    record: AssetSchema,
    create: CreateAssetBody,
    update: UpdateAssetBody,
    listQuery: ListAssetsQuery,
  },
  permissions: { create: 'assets.manage', update: 'assets.manage', delete: 'assets.manage' },
  service: assets,
});
