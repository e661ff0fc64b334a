/** Weekly opening hours: day specs (`mon`, `mon-fri`, `sat,sun`) and ranges ("09:00-18:00") -> minute ranges. */

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

/** `mon-fri,sun` -> [1,2,3,4,5,0]. A range may wrap round the week (`fri-mon`). */
export function parseDaySpec(spec: string): Parsed<number[]> {
  const days = new Set<number>();
  for (const part of spec.split(",").map((p) => p.trim().toLowerCase())) {
    const [from, to, extra] = part.split("-").map((p) => p.trim());
    const start = DAYS.indexOf(from as (typeof DAYS)[number]);
    const end = to === undefined ? start : DAYS.indexOf(to as (typeof DAYS)[number]);
    if (extra !== undefined || start < 0 || end < 0) {
      return {
        ok: false,
        message: `'${spec}' is not a day spec`,
        hint: "use day names sun, mon, tue, wed, thu, fri, sat, ranges like mon-fri, and lists like sat,sun",
      };
    }
    for (let d = start; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === end) break;
    }
  }
  return { ok: true, value: [...days] };
}

function minutesOf(hhmm: string): number | undefined {
  const match = /^([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(hhmm.trim());
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** "09:00-18:00" -> [540, 1080) in minutes after local midnight; "24:00" may end a range. */
export function parseTimeRange(range: string): Parsed<[number, number]> {
  const [from, to, extra] = range.split("-");
  const start = from === undefined ? undefined : minutesOf(from);
  const end = to === undefined ? undefined : minutesOf(to);
  if (extra !== undefined || start === undefined || end === undefined || start >= 24 * 60) {
    return { ok: false, message: `'${range}' is not a time range`, hint: 'write "HH:MM-HH:MM", e.g. "09:00-18:00"' };
  }
  if (end <= start) {
    return {
      ok: false,
      message: `'${range}' ends before it starts`,
      hint: "split a range that crosses midnight over two days, e.g. fri: 22:00-24:00 and sat: 00:00-02:00",
    };
  }
  return { ok: true, value: [start, end] };
}

/** Sorted and merged, so overlapping entries (mon-fri and mon) are harmless. */
export function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

let zones: string[] | undefined;

/** IANA time zone names known to this runtime (for did-you-mean). */
export function knownTimeZones(): string[] {
  zones ??= Intl.supportedValuesOf("timeZone");
  return zones;
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
