import { Type, type Static } from 'typebox';
import { EnumList } from '../../platform/records/filters.js';
import { ListQuery } from '../../platform/records/list-query.js';
import {
  DateTime,
  Nullable,
  Priority,
  PRIORITIES,
  RecordFields,
  Text,
  Timestamp,
  Uuid,
  VersionField,
} from '../../platform/schemas.js';

export const TASK_STATUSES = [
  'ASSIGNED',
  'INPROGRESS',
  'WORKING',
  'STANDBY',
  'MAINTENANCE',
  'PARTIALLYCOMPLETED',
  'COMPLETED',
  'AUTOCLOSED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const Description = Nullable(Type.String({ maxLength: 5000 }));
const GraceMinutes = Type.Integer({
  minimum: 0,
  maximum: 525600,
  description: 'Minutes past due_at before the task is in SLA breach',
});
const RequirementFlags = {
  requires_observation: Type.Optional(Type.Boolean()),
  requires_meter_reading: Type.Optional(Type.Boolean()),
  requires_photo: Type.Optional(Type.Boolean()),
};

// Task templates

export const TaskTemplateSchema = Type.Object({
  ...RecordFields,
  name: Type.String(),
  description: Nullable(Type.String()),
  site_id: Nullable(Uuid),
  requires_observation: Type.Boolean(),
  requires_meter_reading: Type.Boolean(),
  requires_photo: Type.Boolean(),
  grace_minutes: Type.Integer(),
});
export type TaskTemplateRecord = Static<typeof TaskTemplateSchema>;

export const CreateTaskTemplateBody = Type.Object(
  {
    name: Text(200),
    description: Type.Optional(Description),
    site_id: Type.Optional(Nullable(Uuid)),
    ...RequirementFlags,
    grace_minutes: Type.Optional(GraceMinutes),
  },
  { additionalProperties: false },
);
export type CreateTaskTemplateInput = Static<typeof CreateTaskTemplateBody>;

export const UpdateTaskTemplateBody = Type.Object(
  {
    name: Type.Optional(Text(200)),
    description: Type.Optional(Description),
    site_id: Type.Optional(Nullable(Uuid)),
    requires_observation: Type.Optional(Type.Boolean()),
    requires_meter_reading: Type.Optional(Type.Boolean()),
    requires_photo: Type.Optional(Type.Boolean()),
    grace_minutes: Type.Optional(GraceMinutes),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTaskTemplateInput = Static<typeof UpdateTaskTemplateBody>;

export const TASK_TEMPLATE_SORTS = ['name', 'created_at', 'updated_at'];

export const ListTaskTemplatesQuery = ListQuery(
  { site_id: Uuid, q: Type.String({ maxLength: 200, description: 'Part of the name' }) },
  TASK_TEMPLATE_SORTS,
);

// Tasks

const MeterReading = Type.Object(
  {
    meter: Text(100),
    value: Type.Number(),
    unit: Text(20),
    recorded_at: DateTime,
  },
  { additionalProperties: false },
);

export const TaskSchema = Type.Object({
  ...RecordFields,
  number: Type.String(),
  template_id: Nullable(Uuid),
  title: Type.String(),
  description: Nullable(Type.String()),
  site_id: Uuid,
  assignee_id: Nullable(Uuid),
  priority: Priority,
  status: Type.Enum(TASK_STATUSES),
  status_changed_at: Timestamp,
  planned_at: Nullable(Timestamp),
  due_at: Nullable(Timestamp),
  grace_minutes: Type.Integer(),
  started_at: Nullable(Timestamp),
  completed_at: Nullable(Timestamp),
  observations: Type.Array(Type.String()),
  meter_readings: Type.Array(
    Type.Object({
      meter: Type.String(),
      value: Type.Number(),
      unit: Type.String(),
      recorded_at: Type.String(),
    }),
  ),
  photo_count: Type.Integer(),
  requires_observation: Type.Boolean(),
  requires_meter_reading: Type.Boolean(),
  requires_photo: Type.Boolean(),
  sla_breached: Type.Boolean({
    description: 'due_at + grace_minutes has passed and the task is not COMPLETED or AUTOCLOSED',
  }),
});
export type TaskRecord = Static<typeof TaskSchema>;

/** Without a template, `title` and `site_id` are required; with one, they default to its values. */
export const CreateTaskBody = Type.Object(
  {
    template_id: Type.Optional(Uuid),
    title: Type.Optional(Text(200)),
    description: Type.Optional(Description),
    site_id: Type.Optional(Uuid),
    assignee_id: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Type.Enum(PRIORITIES, { default: 'MEDIUM' })),
    planned_at: Type.Optional(Nullable(DateTime)),
    due_at: Type.Optional(Nullable(DateTime)),
    grace_minutes: Type.Optional(GraceMinutes),
    ...RequirementFlags,
  },
  { additionalProperties: false },
);
export type CreateTaskInput = Static<typeof CreateTaskBody>;

/** The `requires_*` flags and `template_id` are fixed at creation; status changes by transition. */
export const UpdateTaskBody = Type.Object(
  {
    title: Type.Optional(Text(200)),
    description: Type.Optional(Description),
    site_id: Type.Optional(Uuid),
    assignee_id: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Priority),
    planned_at: Type.Optional(Nullable(DateTime)),
    due_at: Type.Optional(Nullable(DateTime)),
    grace_minutes: Type.Optional(GraceMinutes),
    observations: Type.Optional(Type.Array(Text(2000), { maxItems: 100 })),
    meter_readings: Type.Optional(Type.Array(MeterReading, { maxItems: 100 })),
    photo_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTaskInput = Static<typeof UpdateTaskBody>;

export const TASK_SORTS = [
  'created_at',
  'updated_at',
  'due_at',
  'planned_at',
  'priority',
  'number',
  'title',
];

export const ListTasksQuery = ListQuery(
  {
    status: EnumList(TASK_STATUSES),
    priority: EnumList(PRIORITIES),
    site_id: Uuid,
    assignee_id: Uuid,
    template_id: Uuid,
    due_from: DateTime,
    due_to: DateTime,
    planned_from: DateTime,
    planned_to: DateTime,
    sla_breached: Type.Boolean({
      description: 'true: only tasks in SLA breach; false: only tasks not in breach',
    }),
  },
  TASK_SORTS,
);
