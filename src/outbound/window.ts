/**
 * A campaign's calling window, written like a flow's `hours` (the same day specs and ranges, the same checks), or
 * taken from one of the flow's `hours` states. Evaluated by the engine's own `isOpen`, in the window's time zone.
 *
 *   "mon-fri 09:00-12:00,13:00-18:00; sat 09:00-12:00"     "always"
 */
import type { CompiledMachine } from "../engine/machine.js";
import { isCalendarDate, isValidTimeZone, mergeRanges, parseDaySpec, parseTimeRange } from "../language/schedule.js";
import type { CallingWindow } from "./campaign.js";

export const DEFAULT_WINDOW = "mon-fri 09:00-18:00";

const DAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export type WindowResult = { ok: true; window: CallingWindow } | { ok: false; message: string };

/** `spec` in `timezone`, closed on `closedOn` (local dates). */
export function parseWindow(spec: string, timezone: string, closedOn: readonly string[] = []): WindowResult {
  if (!isValidTimeZone(timezone)) {
    return { ok: false, message: `'${timezone}' is not an IANA time zone (like Asia/Singapore or Europe/London)` };
  }
  const badDate = closedOn.find((d) => !isCalendarDate(d));
  if (badDate !== undefined) return { ok: false, message: `closed date '${badDate}' is not a date YYYY-MM-DD` };
  const open: [number, number][][] = [[], [], [], [], [], [], []];
  const text = spec.trim().toLowerCase();
  if (text === "always") {
    for (const day of open) day.push([0, 24 * 60]);
  } else {
    for (const entry of text
      .split(";")
      .map((e) => e.trim())
      .filter((e) => e !== "")) {
      const [daySpec = "", ...ranges] = entry.split(/[\s,]+/).filter((p) => p !== "");
      const days = parseDaySpec(daySpec);
      if (!days.ok) return { ok: false, message: `${days.message}: ${days.hint ?? ""}`.trim() };
      if (ranges.length === 0) return { ok: false, message: `'${entry}' has no time range (like 09:00-18:00)` };
      for (const range of ranges) {
        const parsed = parseTimeRange(range);
        if (!parsed.ok) return { ok: false, message: `${parsed.message}: ${parsed.hint ?? ""}`.trim() };
        for (const day of days.value) open[day]?.push(parsed.value);
      }
    }
  }
  if (open.every((day) => day.length === 0)) return { ok: false, message: "the calling window is never open" };
  return { ok: true, window: { timezone, open: open.map(mergeRanges), closedOn: [...new Set(closedOn)].sort() } };
}

/** The window of one of the flow's `hours` states: its hours, zone and closed dates. */
export function windowFromHoursState(machine: CompiledMachine, stateId: string): WindowResult {
  const state = Object.hasOwn(machine.states, stateId) ? machine.states[stateId] : undefined;
  if (state?.kind !== "hours") {
    const hours = Object.entries(machine.states)
      .filter(([, s]) => s.kind === "hours")
      .map(([id]) => id);
    return {
      ok: false,
      message: `flow ${machine.flow} has no hours state '${stateId}' (its hours states: ${hours.join(", ") || "none"})`,
    };
  }
  return { ok: true, window: { timezone: state.timezone, open: state.open, closedOn: state.closedOn } };
}

/** The flow's time zone: the one its `hours` states share, if they share one. */
export function flowTimeZone(machine: CompiledMachine): string | undefined {
  const zones = new Set<string>();
  for (const state of Object.values(machine.states)) if (state.kind === "hours") zones.add(state.timezone);
  return zones.size === 1 ? [...zones][0] : undefined;
}

/** "Mon-Fri 09:00-18:00, Sat 09:00-12:00 (Asia/Singapore); closed 2026-12-25" */
export function describeWindow(window: CallingWindow): string {
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  const groups: { from: number; to: number; ranges: string }[] = [];
  // Week order from Monday, runs of days with the same hours grouped.
  for (const day of [1, 2, 3, 4, 5, 6, 0]) {
    const ranges = (window.open[day] ?? []).map(([a, b]) => `${hhmm(a)}-${hhmm(b)}`).join(",");
    const last = groups.at(-1);
    if (last && last.ranges === ranges && (last.to + 1) % 7 === day) last.to = day;
    else groups.push({ from: day, to: day, ranges });
  }
  const parts = groups
    .filter((g) => g.ranges !== "")
    .map((g) => `${DAY_NAMES[g.from]}${g.to !== g.from ? `-${DAY_NAMES[g.to]}` : ""} ${g.ranges}`);
  const closed = window.closedOn.length > 0 ? `; closed ${window.closedOn.join(", ")}` : "";
  return `${parts.join(", ")} (${window.timezone})${closed}`;
}
