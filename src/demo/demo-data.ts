import type { Polygon } from '../modules/sites/index.js';

/** The demo tenant: a facility-management company with three sites and four kinds of staff. */

export const DEMO_TENANT = {
  name: 'Acme Facilities',
  slug: 'acme',
  admin: { login: 'alex.admin', name: 'Alex Admin', email: 'alex.admin@acme.example' },
};

const square = (lng: number, lat: number, half: number): Polygon => ({
  type: 'Polygon',
  coordinates: [
    [
      [lng - half, lat - half],
      [lng + half, lat - half],
      [lng + half, lat + half],
      [lng - half, lat + half],
      [lng - half, lat - half],
    ],
  ],
});

export const DEMO_SITES = [
  {
    code: 'LON-HQ',
    name: 'London Headquarters',
    timezone: 'Europe/London',
    geofence: square(-0.0877, 51.5136, 0.002),
    shift_start: '08:00',
    shift_end: '17:00',
  },
  {
    code: 'BOM-PLANT',
    name: 'Mumbai Plant',
    timezone: 'Asia/Kolkata',
    geofence: square(72.8777, 19.076, 0.003),
    shift_start: '22:00',
    shift_end: '06:00',
  },
  {
    code: 'AUS-WH',
    name: 'Austin Warehouse',
    timezone: 'America/Chicago',
    geofence: null,
    shift_start: '07:00',
    shift_end: '15:30',
  },
];

const VIEW = ['work_orders.view', 'tasks.view', 'attendance.view', 'tickets.view', 'search.use'];

export const DEMO_ROLES = [
  {
    name: 'supervisor',
    description: 'Approves, assigns and closes work; approves attendance',
    permissions: [
      ...VIEW,
      ...['create', 'update', 'approve', 'reject', 'start', 'complete', 'close', 'cancel'].map(
        (action) => `work_orders.${action}`,
      ),
      'work_orders.reopen',
      'work_orders.assign',
      ...['create', 'update', 'start', 'complete', 'hold', 'change_status', 'close', 'reopen'].map(
        (action) => `tasks.${action}`,
      ),
      'tasks.assign',
      'attendance.approve',
      'attendance.reject',
      'attendance.adjust',
      ...['create', 'update', 'resolve', 'close', 'cancel', 'reopen', 'assign'].map(
        (action) => `tickets.${action}`,
      ),
      'audit.view',
    ],
  },
  {
    name: 'technician',
    description: 'Starts and completes tasks and work orders in the field',
    permissions: [
      ...VIEW,
      'work_orders.start',
      'work_orders.complete',
      'tasks.start',
      'tasks.complete',
      'tasks.hold',
      'tasks.update',
      'tasks.change_status',
      'attendance.create',
      'tickets.create',
      'tickets.update',
    ],
  },
  { name: 'viewer', description: 'Reads everything, changes nothing', permissions: VIEW },
];

export const DEMO_PEOPLE = [
  { login: 'sam.supervisor', name: 'Sam Supervisor', role: 'supervisor', site: 'LON-HQ' },
  { login: 'priya.nair', name: 'Priya Nair', role: 'supervisor', site: 'BOM-PLANT' },
  { login: 'tina.tech', name: 'Tina Technician', role: 'technician', site: 'LON-HQ' },
  { login: 'ravi.kumar', name: 'Ravi Kumar', role: 'technician', site: 'BOM-PLANT' },
  { login: 'joe.garcia', name: 'Joe Garcia', role: 'technician', site: 'AUS-WH' },
  { login: 'victor.viewer', name: 'Victor Viewer', role: 'viewer', site: 'AUS-WH' },
].map((person, i) => ({
  ...person,
  email: `${person.login}@acme.example`,
  phone: `+44 20 7946 ${String(100 + i).padStart(4, '0')}`,
}));
