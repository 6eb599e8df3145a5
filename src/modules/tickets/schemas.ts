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

export const TICKET_STATUSES = [
  'NEW',
  'OPEN',
  'INPROGRESS',
  'ONHOLD',
  'RESOLVED',
  'CLOSED',
  'CANCELLED',
] as const;

const Description = Type.String({ maxLength: 5000 });
const Category = Text(64);

export const TicketSchema = Type.Object({
  ...RecordFields,
  number: Type.String(),
  title: Type.String(),
  description: Nullable(Type.String()),
  category: Nullable(Type.String()),
  site_id: Nullable(Uuid),
  requester_id: Nullable(Uuid),
  assignee_id: Nullable(Uuid),
  priority: Priority,
  status: Type.Enum(TICKET_STATUSES),
  status_changed_at: Timestamp,
  due_at: Nullable(Timestamp),
});
export type TicketRecord = Static<typeof TicketSchema>;

export const CreateTicketBody = Type.Object(
  {
    title: Text(200),
    description: Type.Optional(Nullable(Description)),
    category: Type.Optional(Nullable(Category)),
    site_id: Type.Optional(Nullable(Uuid)),
    requester_id: Type.Optional(
      Type.String({ format: 'uuid', description: 'Defaults to the caller' }),
    ),
    assignee_id: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Priority),
    due_at: Type.Optional(Nullable(DateTime)),
  },
  { additionalProperties: false },
);
export type CreateTicketInput = Static<typeof CreateTicketBody>;

export const UpdateTicketBody = Type.Object(
  {
    title: Type.Optional(Text(200)),
    description: Type.Optional(Nullable(Description)),
    category: Type.Optional(Nullable(Category)),
    site_id: Type.Optional(Nullable(Uuid)),
    requester_id: Type.Optional(Uuid),
    assignee_id: Type.Optional(Nullable(Uuid)),
    priority: Type.Optional(Priority),
    due_at: Type.Optional(Nullable(DateTime)),
    version: VersionField,
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTicketInput = Static<typeof UpdateTicketBody>;

export const TICKET_SORTS = ['created_at', 'updated_at', 'due_at', 'priority', 'number', 'title'];

export const ListTicketsQuery = ListQuery(
  {
    status: EnumList(TICKET_STATUSES),
    priority: EnumList(PRIORITIES),
    site_id: Uuid,
    assignee_id: Uuid,
    requester_id: Uuid,
    category: Type.String({ maxLength: 64 }),
    due_from: DateTime,
    due_to: DateTime,
    created_from: DateTime,
    created_to: DateTime,
  },
  TICKET_SORTS,
);
