import { AppError } from '../../platform/errors.js';

/** The role every new tenant gets, holding every permission. */
export const ADMIN_ROLE = 'admin';

/** Every permission of SPEC §3, `<area>.<action>`. The admin role of a new tenant holds them all. */
const ACTIONS = {
  work_orders: [
    'view',
    'create',
    'update',
    'delete',
    'approve',
    'reject',
    'start',
    'complete',
    'close',
    'cancel',
    'reopen',
    'assign',
  ],
  tasks: [
    'view',
    'create',
    'update',
    'delete',
    'start',
    'complete',
    'hold',
    'change_status',
    'close',
    'reopen',
    'assign',
  ],
  attendance: ['view', 'create', 'update', 'delete', 'approve', 'reject', 'adjust', 'lock'],
  tickets: ['view', 'create', 'update', 'delete', 'resolve', 'close', 'cancel', 'reopen', 'assign'],
  sites: ['manage'],
  vendors: ['manage'],
  assets: ['manage'],
  people: ['manage'],
  audit: ['view', 'export'],
  search: ['use'],
  tenant: ['admin'],
} as const;

export const ALL_PERMISSIONS: readonly string[] = Object.entries(ACTIONS).flatMap(
  ([area, actions]) => actions.map((action) => `${area}.${action}`),
);

const KNOWN = new Set(ALL_PERMISSIONS);

function unknownPermissions(permissions: readonly string[]): string[] {
  return permissions.filter((permission) => !KNOWN.has(permission));
}

export function assertKnownPermissions(permissions: readonly string[]): void {
  const unknown = unknownPermissions(permissions);
  if (unknown.length > 0) {
    throw new AppError('VALIDATION_ERROR', {
      message: 'Unknown permissions',
      details: { unknown_permissions: unknown },
    });
  }
}
