import { assets } from '../modules/assets/index.js';
import { taskTemplates, tasks, TASK_WORKFLOW } from '../modules/tasks/index.js';
import { tickets, TICKET_WORKFLOW } from '../modules/tickets/index.js';
import { vendors } from '../modules/vendors/index.js';
import {
  lineItems,
  workOrders,
  WORK_ORDER_WORKFLOW,
  type WorkOrderRecord,
} from '../modules/work-orders/index.js';
import type { RequestContext } from '../platform/context.js';
import { PRIORITIES } from '../platform/schemas.js';
import {
  DEMO_ASSETS,
  DEMO_TEMPLATES,
  DEMO_TICKETS,
  DEMO_VENDORS,
  DEMO_WORK,
  seededRandom,
} from './demo-records.js';
import { DEMO_PEOPLE, DEMO_SITES } from './demo-data.js';
import { TASK_STORIES, TICKET_STORIES, WORK_ORDER_STORIES, type Story } from './demo-stories.js';
import { seedAttendance } from './seed-attendance.js';
import { walkStory } from './walk-story.js';

const DAY = 24 * 3600_000;
/** One record per story, so each story list sets how many there are. */
const WORK_ORDERS = WORK_ORDER_STORIES.length;
const TASKS = TASK_STORIES.length;

export interface DemoDirectory {
  siteIds: Record<string, string>;
  personIds: Record<string, string>;
}

/**
 * The demo tenant's facility records, written through the same services as the API (so each has
 * its audit trail): vendors, assets, templates, work orders with checklists, tasks, a month of
 * attendance and helpdesk tickets. Each is then taken through its state machine by the engine
 * (demo-stories.ts), so the demo shows every state with a real audit trail. Deterministic apart
 * from being relative to today.
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
    const order = await workOrders.create(as(supervisor.login), {
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
    await walkWorkOrder(
      ctx,
      order as WorkOrderRecord,
      WORK_ORDER_STORIES[i]!,
      vendorIds[i % vendorIds.length]!,
    );
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
    const story = TASK_STORIES[i]!;
    // What the template asks for is recorded before completing, and on some tasks anyway.
    if (i % 3 === 0 || story.some((step) => step.to === 'COMPLETED')) {
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
    await walkStory(ctx, TASK_WORKFLOW, task.id as string, story);
  }

  await seedAttendance(ctx, directory, random, as);

  for (let i = 0; i < TICKET_STORIES.length; i++) {
    const ticket = DEMO_TICKETS[i % DEMO_TICKETS.length]!;
    const site = pick(DEMO_SITES).code;
    const requester = pick(DEMO_PEOPLE);
    const technician = staffAt(site, 'technician')[0];
    const created = await tickets.create(as(requester.login), {
      title: ticket.title,
      description: `Reported by ${requester.name} at ${site}.`,
      category: ticket.category,
      site_id: directory.siteIds[site]!,
      assignee_id: technician && i % 2 === 0 ? directory.personIds[technician.login]! : null,
      priority: pick(PRIORITIES),
      due_at: new Date(now + (i - 8) * DAY).toISOString(),
    });
    await walkStory(ctx, TICKET_WORKFLOW, created.id as string, TICKET_STORIES[i]!);
  }
}

/**
 * Takes a work order through its story as the people behind it would: a vendor is assigned
 * before approval where none was, and the checklist ticked off before completion.
 */
async function walkWorkOrder(
  ctx: RequestContext,
  order: WorkOrderRecord,
  story: Story,
  vendorId: string,
): Promise<void> {
  const open = order.line_items.filter((item) => !item.done);
  await walkStory(ctx, WORK_ORDER_WORKFLOW, order.id, story, async (step) => {
    if (step.to === 'APPROVED' && order.vendor_id === null) {
      await workOrders.update(ctx, order.id, { vendor_id: vendorId }, null);
    }
    if (step.to === 'COMPLETED') {
      for (const item of open.splice(0)) {
        await lineItems.update(ctx, order.id, item.id, { done: true, answer: 'Done' }, null);
      }
    }
  });
}
