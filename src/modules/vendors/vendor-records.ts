import {
  COMMON_SORTS,
  containsText,
  equals,
  sortByColumn,
} from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { recordService } from '../../platform/records/record-service.js';
import type { CreateVendorInput, UpdateVendorInput } from './schemas.js';

export const VENDORS: RecordTable = {
  table: 'vendors',
  entityType: 'vendor',
  entityName: 'Vendor',
  columns: ['code', 'name', 'email', 'phone'],
  referencedBy: [{ table: 'work_orders', column: 'vendor_id' }],
};

const VENDORS_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    code: sortByColumn('code', 'text'),
    name: sortByColumn('name', 'text'),
  },
  defaultSort: 'code',
  filters: {
    code: equals('code'),
    q: containsText('name', 'code'),
  },
};

export const vendors = recordService<CreateVendorInput, UpdateVendorInput>({
  table: VENDORS,
  list: VENDORS_LIST,
});
