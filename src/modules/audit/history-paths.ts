/**
 * The record paths of SPEC §4 whose history `GET /<path>/{id}/history` shows: the entity type
 * their audit entries carry and the table that says whether the record exists in the tenant.
 */
export interface HistoryPath {
  path: string;
  entityType: string;
  table: string;
  /** Records whose entries belong to this one's history: their table and the column naming it. */
  children?: { entityType: string; table: string; parentColumn: string };
}

export const HISTORY_PATHS: readonly HistoryPath[] = [
  { path: 'sites', entityType: 'site', table: 'sites' },
  { path: 'people', entityType: 'person', table: 'people' },
  { path: 'vendors', entityType: 'vendor', table: 'vendors' },
  { path: 'assets', entityType: 'asset', table: 'assets' },
  {
    path: 'work-orders',
    entityType: 'work_order',
    table: 'work_orders',
    // A line item never moves to another work order, so its column ties every entry of it.
    children: {
      entityType: 'work_order_line_item',
      table: 'work_order_line_items',
      parentColumn: 'work_order_id',
    },
  },
  { path: 'task-templates', entityType: 'task_template', table: 'task_templates' },
  { path: 'tasks', entityType: 'task', table: 'tasks' },
  { path: 'attendance', entityType: 'attendance', table: 'attendance_records' },
  { path: 'tickets', entityType: 'ticket', table: 'tickets' },
];
