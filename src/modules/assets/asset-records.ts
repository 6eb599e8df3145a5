import {
  COMMON_SORTS,
  containsText,
  equals,
  sortByColumn,
} from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { recordService } from '../../platform/records/record-service.js';
import type { CreateAssetInput, UpdateAssetInput } from './schemas.js';

export const ASSETS: RecordTable = {
  table: 'assets',
  entityType: 'asset',
  entityName: 'Asset',
  columns: ['code', 'name', 'site_id', 'category'],
  referencedBy: [{ table: 'work_orders', column: 'asset_id' }],
};

const ASSETS_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    code: sortByColumn('code', 'text'),
    name: sortByColumn('name', 'text'),
    category: sortByColumn('category', 'text', true),
  },
  defaultSort: 'code',
  filters: {
    site_id: equals('site_id'),
    category: equals('category'),
    code: equals('code'),
    q: containsText('name', 'code'),
  },
};

export const assets = recordService<CreateAssetInput, UpdateAssetInput>({
  table: ASSETS,
  list: ASSETS_LIST,
  references: (input) => [{ field: 'site_id', table: 'sites', id: input.site_id }],
});
