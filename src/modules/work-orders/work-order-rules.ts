import { invalidField } from '../../platform/errors.js';
import type { Reference } from '../../platform/records/references.js';

interface WorkOrderFields {
  site_id?: string | undefined;
  asset_id?: string | null | undefined;
  vendor_id?: string | null | undefined;
  assigned_to?: string | null | undefined;
  planned_at?: string | null | undefined;
  due_at?: string | null | undefined;
}

/** A work order cannot be due before it is planned (checked when one body names both). */
export function validateSchedule(input: WorkOrderFields): void {
  if (input.planned_at && input.due_at && Date.parse(input.due_at) < Date.parse(input.planned_at)) {
    throw invalidField('due_at', 'must not be before planned_at');
  }
}

export function workOrderReferences(input: WorkOrderFields): Reference[] {
  return [
    { field: 'site_id', table: 'sites', id: input.site_id },
    { field: 'asset_id', table: 'assets', id: input.asset_id },
    { field: 'vendor_id', table: 'vendors', id: input.vendor_id },
    { field: 'assigned_to', table: 'people', id: input.assigned_to },
  ];
}
