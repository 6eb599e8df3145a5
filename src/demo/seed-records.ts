import { assets } from '../modules/assets/index.js';
import { attendance } from '../modules/attendance/index.js';
import { taskTemplates, tasks } from '../modules/tasks/index.js';
import { tickets } from '../modules/tickets/index.js';
import { vendors } from '../modules/vendors/index.js';
import { workOrders } from '../modules/work-orders/index.js';
import type { RequestContext } from '../platform/context.js';
import { PRIORITIES } from '../platform/schemas.js';
import { wallClockToUtc } from '../platform/time-zones.js';
import {
  DEMO_ASSETS,
  DEMO_TEMPLATES,
  DEMO_TICKETS,
  DEMO_VENDORS,
  DEMO_WORK,
  seededRandom,
} from './demo-records.js';
import { DEMO_PEOPLE, DEMO_SITES } from './demo-data.js';

const DAY = 24 * 3600_000;
const WORK_ORDERS = 36;
const TASKS = 40;
const ATTENDANCE_DAYS = 30;

export interface DemoDirectory {
  siteIds: Record<string, string>;
  personIds: Record<string, string>;
}

/**
 * The demo tenant's facility records, written through the same services as the API (so each has
 * its audit trail): vendors, assets, templates, work orders with checklists, tasks, a month of
 * attendance and helpdesk tickets. Deterministic apart from being relative to today.
 */
export async function seedRecords(ctx: RequestContext, directory: DemoDirectory): Promise<void> {
  const random = seededRandom(20261126);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const as = (login: string): RequestContext => ({ ...ctx, actorId: directory.personIds[login]! });
  const staffAt = (site: string, role: string) =>
    DEMO_PEOPLE.filter((person) => person.site === site && person.role === role);
  const now = Date.now();

  const vendorIds: string[] = [];
  for (const vendor of DEMO_VENDORS)
    vendorIds.push((await vendors.create(ctx, vendor)).id as string);

  const assetsByCategory = new Map<string, { id: string; site: string }[]>();
  for (const asset of DEMO_ASSETS) {
    const { id } = await assets.create(ctx, {
      code: asset.code,
      name: asset.name,
      site_id: directory.siteIds[asset.site]!,
      category: asset.category,
    });
    const list = assetsByCategory.get(asset.category) ?? [];
    list.push({ id: id as string, site: asset.site });
    assetsByCategory.set(asset.category, list);
  }

  for (let i = 0; i < WORK_ORDERS; i++) {
    const work = DEMO_WORK[i % DEMO_WORK.length]!;
    const asset = pick(assetsByCategory.get(work.category)!);
    const supervisor = staffAt(asset.site, 'supervisor')[0] ?? DEMO_PEOPLE[0]!;
    const technician = staffAt(asset.site, 'technician')[0];
    const plannedAt = now + (i - WORK_ORDERS / 2) * DAY;
    await workOrders.create(as(supervisor.login), {
      title: work.title,
      description: `${work.title} (${asset.site}). Raised from the planned maintenance schedule.`,
      site_id: directory.siteIds[asset.site]!,
      asset_id: asset.id,
      vendor_id: i % 4 === 3 ? null : pick(vendorIds),
      assigned_to: technician && i % 5 !== 0 ? directory.personIds[technician.login]! : null,
      priority: pick(PRIORITIES),
      planned_at: new Date(plannedAt).toISOString(),
      due_at: new Date(plannedAt + (2 + Math.floor(random() * 4)) * DAY).toISOString(),
      line_items: work.items.map((description, seq) => ({
        description,
        mandatory: seq === 0,
        done: random() < 0.4,
      })),
    });
  }

  const templates = [];
  for (const template of DEMO_TEMPLATES) {
    const { site, ...fields } = template;
    const created = await taskTemplates.create(ctx, {
      ...fields,
      site_id: site ? directory.siteIds[site]! : null,
    });
    templates.push({ id: created.id as string, site });
  }
  for (let i = 0; i < TASKS; i++) {
    const template = templates[i % templates.length]!;
    const site = template.site ?? pick(DEMO_SITES).code;
    const technician = staffAt(site, 'technician')[0];
    const plannedAt = now + Math.round((i - TASKS * 0.7) * 0.4 * DAY);
    const task = await tasks.create(ctx, {
      template_id: template.id,
      site_id: directory.siteIds[site]!,
      assignee_id: technician ? directory.personIds[technician.login]! : null,
      priority: pick(PRIORITIES),
      planned_at: new Date(plannedAt).toISOString(),
      due_at: new Date(plannedAt + 2 * 3600_000).toISOString(),
    });
    if (i % 3 === 0) {
      await tasks.update(
        ctx,
        task.id as string,
        {
          observations: ['All readings within the normal range.'],
          meter_readings: [
            {
              meter: 'pressure',
              value: 8.5 + random(),
              unit: 'bar',
              recorded_at: new Date(plannedAt).toISOString(),
            },
          ],
          photo_count: 1,
        },
        null,
      );
    }
  }

  await seedAttendance(ctx, directory, random, as);

  for (let i = 0; i < DEMO_TICKETS.length * 2; i++) {
    const ticket = DEMO_TICKETS[i % DEMO_TICKETS.length]!;
    const site = pick(DEMO_SITES).code;
    const requester = pick(DEMO_PEOPLE);
    const technician = staffAt(site, 'technician')[0];
    await tickets.create(as(requester.login), {
      title: ticket.title,
      description: `Reported by ${requester.name} at ${site}.`,
      category: ticket.category,
      site_id: directory.siteIds[site]!,
      assignee_id: technician && i % 2 === 0 ? directory.personIds[technician.login]! : null,
      priority: pick(PRIORITIES),
      due_at: new Date(now + (i - 8) * DAY).toISOString(),
    });
  }
}

/** Every working day of the last month for each site's staff, punched in around shift start. */
async function seedAttendance(
  ctx: RequestContext,
  directory: DemoDirectory,
  random: () => number,
  as: (login: string) => RequestContext,
): Promise<void> {
  const today = new Date();
  for (const person of DEMO_PEOPLE.filter((p) => p.role !== 'viewer')) {
    const site = DEMO_SITES.find((candidate) => candidate.code === person.site)!;
    const [lng, lat] = centreOf(site.geofence);
    for (let back = ATTENDANCE_DAYS; back >= 1; back--) {
      const day = new Date(today.getTime() - back * DAY);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      const workDate = day.toISOString().slice(0, 10);
      const lateBy = Math.round((random() - 0.3) * 40);
      const punchIn = new Date(
        wallClockToUtc(workDate, site.shift_start, site.timezone).getTime() + lateBy * 60_000,
      );
      const shiftMinutes = minutesBetween(site.shift_start, site.shift_end);
      const punchOut = new Date(
        punchIn.getTime() + (shiftMinutes + Math.round(random() * 30)) * 60_000,
      );
      const offSite = back % 13 === 0;
      await attendance.create(as(person.login), {
        person_id: directory.personIds[person.login]!,
        site_id: directory.siteIds[site.code]!,
        work_date: workDate,
        punch_in_at: punchIn.toISOString(),
        punch_out_at: back === 1 ? null : punchOut.toISOString(),
        location:
          lng === null || back % 11 === 0
            ? null
            : {
                lat: lat! + (offSite ? 0.05 : (random() - 0.5) * 0.001),
                lng: lng + (random() - 0.5) * 0.001,
              },
        remarks: lateBy > 20 ? 'Late: traffic' : null,
      });
    }
  }
}

function centreOf(geofence: { coordinates: number[][][] } | null): [number | null, number | null] {
  if (!geofence) return [null, null];
  const ring = geofence.coordinates[0]!.slice(0, -1);
  const sum = ring.reduce((acc, [lng, lat]) => [acc[0]! + lng!, acc[1]! + lat!], [0, 0]);
  return [sum[0]! / ring.length, sum[1]! / ring.length];
}

/** A shift's length; an overnight shift (22:00 to 06:00) runs into the next day. */
function minutesBetween(start: string, end: string): number {
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  return (toMinutes(end) - toMinutes(start) + 24 * 60) % (24 * 60);
}
