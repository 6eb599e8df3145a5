/** Wall-clock time in IANA time zones, on the runtime's own time-zone database. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in milliseconds. */
export function offsetAt(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wallClock = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return wallClock - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which `timeZone`'s clock shows `date` (YYYY-MM-DD) at `time` (HH:MM). A time
 * shown twice (clocks going back) is its first occurrence; a time skipped (clocks going forward)
 * is the instant after the gap.
 */
export function wallClockToUtc(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const asIfUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets a few hours either side cover both sides of any daylight-saving change.
  const candidates = [-12, 12]
    .map((hours) => asIfUtc - offsetAt(new Date(asIfUtc + hours * 3600_000), timeZone))
    .sort((a, b) => a - b);
  const shown = candidates.filter(
    (instant) => instant + offsetAt(new Date(instant), timeZone) === asIfUtc,
  );
  return new Date(shown[0] ?? candidates.at(-1)!);
}
