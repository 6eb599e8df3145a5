import { Type, type Static } from 'typebox';
import { EnumList } from '../../platform/records/filters.js';
import { ListQuery } from '../../platform/records/list-query.js';
import {
  DateTime,
  Nullable,
  PRIORITIES,
  Priority,
  RecordFields,
  Text,
  Timestamp,
  Uuid,
  VersionField,
} from '../../platform/schemas.js';

export const WORK_ORDER_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'IN_PROGRESS',
  'COMPLETED',
  'CLOSED',
  'CANCELLED',
] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

const Seq = Type.Integer({ minimum: 1, maximum: 10000 });
const Answer = Nullable(Type.String({ maxLength: 2000 }));

/** A line item as its work order shows it. */
export const LineItemSummarySchema = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  description: Type.String(),
  mandatory: Type.Boolean(),
  answer: Nullable(Type.String()),
  done: Type.Boolean(),
  version: Type.Integer(),
});
export type LineItemSummary = Static<typeof LineItemSummarySchema>;

export const WorkOrderSchema = Type.Object({
  ...RecordFields,
  number: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  site_id: Uuid,
  asset_id: Nullable(Uuid),
  vendor_id: Nullable(Uuid),
  assigned_to: Nullable(Uuid),
  priority: Priority,
  status: Type.Enum(WORK_ORDER_STATUSES),
  planned_at: Nullable(Timestamp),
  due_at: Nullable(Timestamp),
  status_changed_at: Timestamp,
  line_items: Type.Array(LineItemSummarySchema),
});
export type WorkOrderRecord = Static<typeof WorkOrderSchema>;

export const LineItemSchema = Type.Object({
  ...RecordFields,
  work_order_id: Uuid,
  seq: Type.Integer(),
  description: Type.String(),
  mandatory: Type.Boolean(),
  answer: Nullable(Type.String()),
  done: Type.Boolean(),
});
export type LineItemRecord = Static<typeof LineItemSchema>;

const NewLineItem = Type.Object(
  {
    description: Text(500),
    mandatory: Type.Optional(Type.Boolean()),
    answer: Type.Optional(Answer),
    done: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CreateWorkOrderBody = Type.Object(
  {
    title: Text(200),
    description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    site_id: Uuid,
    asset_id: Type.Optional(Nullable(Uuid)),
    vendor_id: Type.Optional(Nullable(Uuid)),
    assigned_to: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Priority),
    planned_at: Type.Optional(Nullable(DateTime)),
    due_at: Type.Optional(Nullable(DateTime)),
    line_items: Type.Optional(Type.Array(NewLineItem, { maxItems: 200 })),
  },
  { additionalProperties: false },
);
export type CreateWorkOrderInput = Static<typeof CreateWorkOrderBody>;

export const UpdateWorkOrderBody = Type.Object(
  {
    title: Type.Optional(Text(200)),
    description: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    site_id: Type.Optional(Uuid),
    asset_id: Type.Optional(Nullable(Uuid)),
    vendor_id: Type.Optional(Nullable(Uuid)),
    assigned_to: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Priority),
    planned_at: Type.Optional(Nullable(DateTime)),
    due_at: Type.Optional(Nullable(DateTime)),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWorkOrderInput = Static<typeof UpdateWorkOrderBody>;

export const WORK_ORDER_SORTS = [
  'created_at',
  'updated_at',
  'due_at',
  'planned_at',
  'priority',
  'number',
  'title',
];

export const ListWorkOrdersQuery = ListQuery(
  {
    status: EnumList(WORK_ORDER_STATUSES),
    priority: EnumList(PRIORITIES),
    site_id: Uuid,
    asset_id: Uuid,
    vendor_id: Uuid,
    assigned_to: Uuid,
    due_from: DateTime,
    due_to: DateTime,
    planned_from: DateTime,
    planned_to: DateTime,
    created_from: DateTime,
    created_to: DateTime,
  },
  WORK_ORDER_SORTS,
);

export const CreateLineItemBody = Type.Object(
  { ...NewLineItem.properties, seq: Type.Optional(Seq) },
  { additionalProperties: false },
);
export type CreateLineItemInput = Static<typeof CreateLineItemBody>;

export const UpdateLineItemBody = Type.Object(
  {
    description: Type.Optional(Text(500)),
    mandatory: Type.Optional(Type.Boolean()),
    answer: Type.Optional(Answer),
    done: Type.Optional(Type.Boolean()),
    seq: Type.Optional(Seq),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateLineItemInput = Static<typeof UpdateLineItemBody>;

export const LineItemParams = Type.Object(
  { id: Uuid, itemId: Uuid },
  { additionalProperties: false },
);
