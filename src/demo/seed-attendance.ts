import { attendance, ATTENDANCE_WORKFLOW } from '../modules/attendance/index.js';
import type { RequestContext } from '../platform/context.js';
import { wallClockToUtc } from '../platform/time-zones.js';
import { listTransitionOptions } from '../workflow/index.js';
import { planAttendance, type AttendanceOutcome } from './attendance-plan.js';
import { DEMO_PEOPLE, DEMO_SITES } from './demo-data.js';
import type { DemoDirectory } from './seed-records.js';
import { walkStory, type StoryStep } from './walk-story.js';

const DAY = 24 * 3600_000;
const ATTENDANCE_DAYS = 30;

type DemoSite = (typeof DEMO_SITES)[number];

export interface DemoPunch {
  login: string;
  site: DemoSite;
  workDate: string;
  punchIn: Date;
  punchOut: Date | null;
  location: { lat: number; lng: number } | null;
  remarks: string | null;
}

/** Every working day of the last month for each site's staff, punched in around shift start. */
export function demoPunches(today: Date, random: () => number): DemoPunch[] {
  const punches: DemoPunch[] = [];
  for (const person of DEMO_PEOPLE.filter((p) => p.role !== 'viewer')) {
    const site = DEMO_SITES.find((candidate) => candidate.code === person.site)!;
    const [lng, lat] = centreOf(site.geofence);
    for (let back = ATTENDANCE_DAYS; back >= 1; back--) {
      const day = new Date(today.getTime() - back * DAY);
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      const workDate = day.toISOString().slice(0, 10);
      const lateBy = Math.round((random() - 0.3) * 40);
      const punchIn = new Date(shiftStart(site, workDate).getTime() + lateBy * 60_000);
      const punchOut = new Date(
        punchIn.getTime() + (shiftMinutes(site) + Math.round(random() * 30)) * 60_000,
      );
      const offSite = back % 13 === 0;
      punches.push({
        login: person.login,
        site,
        workDate,
        punchIn,
        punchOut: back === 1 ? null : punchOut,
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
  return punches;
}

/**
 * The month of attendance, then each record moved by the engine to the state the plan gives it
 * (see attendance-plan.ts): the engine is asked first which records it would approve today.
 */
export async function seedAttendance(
  ctx: RequestContext,
  directory: DemoDirectory,
  random: () => number,
  as: (login: string) => RequestContext,
): Promise<void> {
  const created: { id: string; punch: DemoPunch }[] = [];
  for (const punch of demoPunches(new Date(), random)) {
    const record = await attendance.create(as(punch.login), {
      person_id: directory.personIds[punch.login]!,
      site_id: directory.siteIds[punch.site.code]!,
      work_date: punch.workDate,
      punch_in_at: punch.punchIn.toISOString(),
      punch_out_at: punch.punchOut?.toISOString() ?? null,
      location: punch.location,
      remarks: punch.remarks,
    });
    created.push({ id: record.id as string, punch });
  }

  const candidates = [];
  for (const { id, punch } of created) {
    const options = await listTransitionOptions(ctx, ATTENDANCE_WORKFLOW, id);
    const approve = options.transitions.find((t) => t.to_state === 'APPROVED')!;
    candidates.push({ workDate: punch.workDate, blockedBy: approve.reasons.map((r) => r.code) });
  }
  const outcomes = planAttendance(candidates);
  for (const [i, { id, punch }] of created.entries()) {
    const story = attendanceStory(outcomes[i]!, punch, candidates[i]!.blockedBy);
    await walkStory(ctx, ATTENDANCE_WORKFLOW, id, story);
  }
}

const APPROVE: StoryStep = { to: 'APPROVED' };
const LOCK: StoryStep = { to: 'LOCKED', comments: 'Locked for the payroll run.' };

function attendanceStory(
  outcome: AttendanceOutcome,
  punch: DemoPunch,
  blockedBy: readonly string[],
): StoryStep[] {
  const reject: StoryStep = {
    to: 'REJECTED',
    comments: blockedBy.includes('OUTSIDE_GEOFENCE')
      ? 'Punched in away from the site; resubmit from site or ask for an adjustment.'
      : 'No shift was rostered for this day.',
  };
  switch (outcome) {
    case 'PENDING':
      return [];
    case 'REJECTED':
      return [reject];
    case 'RESUBMITTED':
      return [reject, { to: 'PENDING', comments: 'Resubmitted with the signed shift roster.' }];
    case 'APPROVED':
      return [APPROVE];
    case 'ADJUSTED':
      return [adjustment(punch)];
    case 'LOCKED':
      return [APPROVE, LOCK];
    case 'ADJUSTED_LOCKED':
      return [adjustment(punch), APPROVE, LOCK];
  }
}

/** A supervisor's correction to the rostered shift, with its reason. */
function adjustment(punch: DemoPunch): StoryStep {
  const start = shiftStart(punch.site, punch.workDate);
  const end = new Date(start.getTime() + shiftMinutes(punch.site) * 60_000);
  const metadata: Record<string, unknown> = punch.punchOut
    ? {
        adjustment_reason: 'The badge reader at the gate was down; times taken from the roster.',
        punch_in_at: start.toISOString(),
        punch_out_at: end.toISOString(),
      }
    : {
        adjustment_reason: 'Forgot to punch out; the shift end was confirmed by the supervisor.',
        punch_out_at: end.toISOString(),
      };
  return { to: 'ADJUSTED', comments: String(metadata.adjustment_reason), metadata };
}

const shiftStart = (site: DemoSite, workDate: string) =>
  wallClockToUtc(workDate, site.shift_start, site.timezone);

/** A shift's length; an overnight shift (22:00 to 06:00) runs into the next day. */
function shiftMinutes(site: DemoSite): number {
  const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
  return (toMinutes(site.shift_end) - toMinutes(site.shift_start) + 24 * 60) % (24 * 60);
}

function centreOf(geofence: { coordinates: number[][][] } | null): [number | null, number | null] {
  if (!geofence) return [null, null];
  const ring = geofence.coordinates[0]!.slice(0, -1);
  const sum = ring.reduce((acc, [lng, lat]) => [acc[0]! + lng!, acc[1]! + lat!], [0, 0]);
  return [sum[0]! / ring.length, sum[1]! / ring.length];
}
