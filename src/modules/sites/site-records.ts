import { COMMON_SORTS, equals, sortByColumn } from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { recordService } from '../../platform/records/record-service.js';
import { validateSiteInput } from './site-rules.js';
import type { CreateSiteInput, UpdateSiteInput } from './schemas.js';

export const SITES: RecordTable = {
  table: 'sites',
  entityType: 'site',
  entityName: 'Site',
  columns: ['code', 'name', 'timezone', 'geofence', 'shift_start', 'shift_end'],
  jsonColumns: ['geofence'],
  referencedBy: [
    'people',
    'assets',
    'work_orders',
    'task_templates',
    'tasks',
    'attendance_records',
    'tickets',
  ].map((table) => ({ table, column: 'site_id' })),
};

const SITES_LIST: ListSpec = {
  sorts: {
    ...COMMON_SORTS,
    code: sortByColumn('code', 'text'),
    name: sortByColumn('name', 'text'),
  },
  defaultSort: 'code',
  filters: { code: equals('code'), timezone: equals('timezone'), id: equals('id') },
};

export const sites = recordService<CreateSiteInput, UpdateSiteInput>({
  table: SITES,
  list: SITES_LIST,
  validate: validateSiteInput,
});
