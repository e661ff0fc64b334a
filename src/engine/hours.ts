import type { HoursState } from "./machine.js";

/** A wall-clock reading in some time zone. weekday: 0 = Sunday .. 6 = Saturday. */
export interface LocalTime {
  weekday: number;
  /** minutes since local midnight */
  minute: number;
  /** local date, YYYY-MM-DD */
  date: string;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Building an Intl.DateTimeFormat costs far more than using one: keep one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** `now` as read on a wall clock in `timeZone` (IANA name; an unknown one throws a RangeError). */
export function localTime(now: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(now)) parts[part.type] = part.value;
  const weekday = WEEKDAYS[parts.weekday ?? ""];
  if (weekday === undefined) throw new RangeError(`cannot read the weekday in ${timeZone}`);
  // Some ICU versions print midnight as "24" even with h23: fold it back.
  const hour = Number(parts.hour) % 24;
  return { weekday, minute: hour * 60 + Number(parts.minute), date: `${parts.year}-${parts.month}-${parts.day}` };
}

/** A weekly schedule in local time: an `hours` state's, or an outbound campaign's calling window. */
export type WeeklySchedule = Pick<HoursState, "timezone" | "open" | "closedOn">;

/**
 * Open when the local date is not in `closedOn` and the local minute falls in one of the day's [start, end)
 * ranges. Ranges stay within one local day (the compiler splits a range that crosses midnight).
 */
export function isOpen(schedule: WeeklySchedule, now: Date): boolean {
  const local = localTime(now, schedule.timezone);
  if (schedule.closedOn.includes(local.date)) return false;
  const ranges = schedule.open[local.weekday] ?? [];
  return ranges.some(([start, end]) => local.minute >= start && local.minute < end);
}
