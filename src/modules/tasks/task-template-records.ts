import {
  COMMON_SORTS,
  containsText,
  equals,
  sortByColumn,
} from '../../platform/records/filters.js';
import type { ListSpec, RecordTable } from '../../platform/records/record-table.js';
import { recordService } from '../../platform/records/record-service.js';
import type { CreateTaskTemplateInput, UpdateTaskTemplateInput } from './schemas.js';

export const TASK_TEMPLATES: RecordTable = {
  table: 'task_templates',
  entityType: 'task_template',
  entityName: 'Task template',
  columns: [
    'name',
    'description',
    'site_id',
    'requires_observation',
    'requires_meter_reading',
    'requires_photo',
    'grace_minutes',
  ],
};

const TASK_TEMPLATES_LIST: ListSpec = {
  sorts: { ...COMMON_SORTS, name: sortByColumn('name', 'text') },
  defaultSort: 'name',
  filters: {
    site_id: equals('site_id'),
    q: containsText('name'),
  },
};

export const taskTemplates = recordService<CreateTaskTemplateInput, UpdateTaskTemplateInput>({
  table: TASK_TEMPLATES,
  list: TASK_TEMPLATES_LIST,
  references: (input) => [{ field: 'site_id', table: 'sites', id: input.site_id }],
  // Stated in full so the CREATED entry shows every value the template starts with.
  prepareCreate: async (_tx, _ctx, input) => ({
    requires_observation: false,
    requires_meter_reading: false,
    requires_photo: false,
    grace_minutes: 0,
    ...input,
  }),
});
