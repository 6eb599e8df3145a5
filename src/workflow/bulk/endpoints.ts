import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import { AppError } from '../../platform/errors.js';
import type { RecordRow, RecordTable } from '../../platform/records/record-table.js';
import type { Reference } from '../../platform/records/references.js';
import { Uuid } from '../../platform/schemas.js';
import type { BulkChange } from './bulk-request.js';

type Body = Record<string, unknown>;

/** One bulk endpoint of an entity: `POST /<path>/bulk/<name>`. */
export interface BulkEndpoint {
  /** The path segment: `approve`, `update-priority`. */
  name: string;
  /** Body fields beyond those every bulk request has. */
  fields: TProperties;
  /** What the request does to each record, from its validated body. */
  change(body: Body): BulkChange;
  /** Checks the parsed body before the schema does (a protected field is named as such). */
  beforeValidation?(body: unknown): void;
}

/** `transition`: any `target_state` of the workflow. */
export function bulkTransition(states: readonly string[]): BulkEndpoint {
  return {
    name: 'transition',
    fields: { target_state: Type.Enum(states) },
    change: (body) => ({ kind: 'transition', targetState: body.target_state as string }),
  };
}

/** A convenience endpoint whose target is fixed: `approve` → APPROVED. */
export function bulkMove(name: string, targetState: string): BulkEndpoint {
  return { name, fields: {}, change: () => ({ kind: 'transition', targetState }) };
}

/** `assign`: `assigned_to_user` becomes the records' assignee, as a PATCH of it would. */
export function bulkAssign(table: RecordTable, updatePermission: string): BulkEndpoint {
  const assignee = table.assignee!;
  return {
    name: 'assign',
    fields: { assigned_to_user: Uuid },
    change: (body) => ({
      kind: 'update',
      set: { [assignee.field]: body.assigned_to_user },
      permissions: [updatePermission, assignee.permission],
      references: [
        { field: 'assigned_to_user', table: assignee.table, id: body.assigned_to_user as string },
      ],
    }),
  };
}

/** One field set to the same value on every record: `update-priority`. */
export function bulkSetField(
  name: string,
  field: string,
  schema: TSchema,
  permission: string,
): BulkEndpoint {
  return {
    name,
    fields: { [field]: schema },
    change: (body) => ({
      kind: 'update',
      set: { [field]: body[field] },
      permissions: [permission],
    }),
  };
}

/** Fields no update may write (SPEC §8): 400 PROTECTED_FIELD. */
export const PROTECTED_FIELDS = [
  'id',
  'number',
  'tenant_id',
  'status',
  'version',
  'created_at',
  'created_by',
];

export interface BulkUpdateOptions<Fields> {
  /** The entity's PATCH body; its `version` is left out (`versions` names them per record). */
  patch: TObject;
  table: RecordTable;
  permission: string;
  /** PATCH's checks, run on each record as the update would leave it. */
  validate?: (record: Fields) => void;
  references?: (values: Fields) => Reference[];
}

/** `update`: `update_data` validated field by field as PATCH validates it, on every record. */
export function bulkUpdate<Fields extends object>(
  options: BulkUpdateOptions<Fields>,
): BulkEndpoint {
  const validate = options.validate as ((record: RecordRow) => void) | undefined;
  const { version: _version, ...fields } = options.patch.properties;
  const assignee = options.table.assignee;
  return {
    name: 'update',
    fields: {
      update_data: Type.Object(fields, { additionalProperties: false, minProperties: 1 }),
    },
    beforeValidation(body) {
      const data = (body as Body | null)?.update_data;
      if (!data || typeof data !== 'object') return;
      const named = PROTECTED_FIELDS.filter((field) => field in data);
      if (named.length > 0) {
        throw new AppError('PROTECTED_FIELD', {
          message: `update_data cannot set ${named.join(', ')}`,
          details: { fields: named },
        });
      }
    },
    change(body) {
      const set = body.update_data as RecordRow;
      const assigns = assignee !== undefined && set[assignee.field] !== undefined;
      return {
        kind: 'update',
        set,
        permissions: assigns ? [options.permission, assignee.permission] : [options.permission],
        validate,
        references: options.references?.(set as Fields),
      };
    },
  };
}
