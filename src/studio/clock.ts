/**
 * The phone's clock setting: "call as if it were Tuesday 10:00 in Singapore", for flows with `hours` states. The
 * setting is read as wall-clock time in the flow's time zone. A moment in the past moves forward by whole weeks
 * (same weekday and time): session items expire by the real clock in DynamoDB, so a call dated last year would be
 * swept away under the caller.
 */
import { localTime } from "../engine/hours.js";

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export class ClockError extends Error {
  override name = "ClockError";
}

/** The instant at which the wall clock in `timeZone` reads `local` (`YYYY-MM-DDTHH:MM`). */
export function zonedInstant(local: string, timeZone: string): Date {
  const m = LOCAL.exec(local);
  if (!m) throw new ClockError(`clock must look like 2026-11-24T10:00, got '${local}'`);
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const wanted = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(wanted).getUTCDate() !== d || h > 23 || mi > 59) throw new ClockError(`no such time: '${local}'`);
  // Guess, then correct by the zone's offset at the guess (twice: the offset may change in between, e.g. DST).
  let instant = wanted;
  for (let i = 0; i < 2; i++) instant = wanted - (wallClockMs(new Date(instant), timeZone) - instant);
  return new Date(instant);
}

/** The wall-clock reading in `timeZone` at `at`, as if it were UTC (milliseconds, minute precision). */
function wallClockMs(at: Date, timeZone: string): number {
  const local = localTime(at, timeZone);
  const [y, mo, d] = local.date.split("-").map(Number) as [number, number, number];
  return Date.UTC(y, mo - 1, d) + local.minute * 60_000;
}

/** When a call set to `local` (in `timeZone`) starts, and a note when it had to move. */
export function callClock(local: string, timeZone: string, now: Date): { start: Date; note?: string } {
  let start = zonedInstant(local, timeZone);
  if (start.getTime() >= now.getTime()) return { start };
  const weeks = Math.ceil((now.getTime() - start.getTime()) / WEEK_MS);
  // the same wall-clock time on the date that many weeks later (a zone's offset may differ by then)
  const date = localTime(new Date(start.getTime() + weeks * WEEK_MS), timeZone).date;
  start = zonedInstant(`${date}${local.slice(10)}`, timeZone);
  return { start, note: `${local} is in the past: the call runs on ${date} instead (same weekday and time)` };
}
