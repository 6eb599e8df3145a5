import { authorizeAssignment } from '../../platform/records/assignment.js';
import type { RequestContext } from '../../platform/context.js';
import { withTenantTx } from '../../platform/db/transactions.js';
import { invalidField } from '../../platform/errors.js';
import { nextNumber } from '../../platform/records/numbers.js';
import { findRecord } from '../../platform/records/read-records.js';
import type { RecordRow } from '../../platform/records/record-table.js';
import { assertReferencesExist } from '../../platform/records/references.js';
import { insertRecord } from '../../platform/records/write-records.js';
import type { CreateTaskInput, TaskRecord, TaskTemplateRecord } from './schemas.js';
import { TASKS, taskReferences } from './task-table.js';
import { TASK_TEMPLATES } from './task-template-records.js';

/** What a task takes from its template unless the body says otherwise. */
const FROM_TEMPLATE = {
  title: 'name',
  description: 'description',
  site_id: 'site_id',
  grace_minutes: 'grace_minutes',
  requires_observation: 'requires_observation',
  requires_meter_reading: 'requires_meter_reading',
  requires_photo: 'requires_photo',
} as const satisfies Partial<Record<keyof CreateTaskInput, keyof TaskTemplateRecord>>;

/**
 * A new task, numbered TSK-000001 per tenant in the creating transaction. With a template, the
 * fields of FROM_TEMPLATE default to the template's; a value in the body wins, null included.
 */
export async function createTask(ctx: RequestContext, input: CreateTaskInput): Promise<TaskRecord> {
  await authorizeAssignment(ctx, TASKS, input, 'create');
  return withTenantTx(ctx, async (tx) => {
    const values: RecordRow = {
      priority: 'MEDIUM',
      grace_minutes: 0,
      requires_observation: false,
      requires_meter_reading: false,
      requires_photo: false,
    };
    if (input.template_id !== undefined) {
      const template = await findRecord(tx, TASK_TEMPLATES, ctx.tenantId, input.template_id);
      if (!template) throw invalidField('template_id', 'no such record');
      for (const [field, templateField] of Object.entries(FROM_TEMPLATE)) {
        values[field] = template[templateField];
      }
    }
    Object.assign(values, withoutUndefined(input));
    for (const field of ['title', 'site_id']) {
      if (values[field] === undefined || values[field] === null) {
        throw invalidField(field, 'required when no template gives it');
      }
    }
    // The template's site is checked too: it may have been deleted since.
    const named = { site_id: values.site_id as string, assignee_id: input.assignee_id };
    await assertReferencesExist(tx, ctx.tenantId, taskReferences(named));
    values.number = await nextNumber(tx, ctx.tenantId, {
      counter: 'task',
      prefix: 'TSK-',
      digits: 6,
    });
    return (await insertRecord(tx, ctx, TASKS, values)) as TaskRecord;
  });
}

function withoutUndefined(input: object): RecordRow {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}
