/**
 * Clocks other than the real one, for the local tools: `--at` on `ivr replay`, `ivr call` and `npm start`, and
 * scenarios' `at:`, so a flow's `hours` can be tried outside its office hours.
 */

/**
 * An instant given by a person, e.g. 2026-11-24T10:00:00+08:00. A zone is required: without one, "10:00" would
 * silently mean the machine's zone.
 */
export function parseInstant(text: string, flag: string): Date {
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(text)) {
    throw new Error(`${flag} '${text}' needs a time zone (Z or +08:00), e.g. 2026-11-24T10:00:00+08:00`);
  }
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error(`${flag} '${text}' is not an ISO-8601 date-time`);
  return at;
}

/** A clock that reads `at` now and runs on in real time from there. */
export function shiftedClock(at: Date, realNow: () => number = Date.now): () => Date {
  const offset = at.getTime() - realNow();
  return () => new Date(realNow() + offset);
}

/**
 * How far `now` is behind the real clock, in whole seconds (0 when it is not). DynamoDB Local expires items by
 * the real clock, so a session stored by a clock set in the past must live that much longer, or it is swept away
 * mid-call.
 */
export function lagSeconds(now: Date): number {
  return Math.max(0, Math.ceil((Date.now() - now.getTime()) / 1000));
}
