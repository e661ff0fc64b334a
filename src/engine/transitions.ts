/** The transitions a session keeps for analytics (PLAN contract 3): what the funnel in `ivr report` counts. */
import type { Session, StepResult, Transition } from "./session.js";

/** `session.path` and `session.transitions` keep the most recent entries only, so a caller looping on a menu
 * cannot grow the session item forever. */
export const MAX_PATH = 500;

/**
 * The session's transitions with this step's edges appended, stamped with the step's time (milliseconds since the
 * call started; never negative, even if a clock moved back), most recent MAX_PATH kept. Nothing is copied when
 * the step took no edge.
 */
export function appendTransitions(session: Session, edges: StepResult["edges"], now: Date): Transition[] {
  const kept = session.transitions ?? [];
  if (edges.length === 0) return kept;
  const at = Math.max(0, now.getTime() - Date.parse(session.startedAt)) || 0;
  const added = edges.map(({ from, to, on, ms }) =>
    ms === undefined ? { from, to, on, at } : { from, to, on, at, ms },
  );
  const all = kept.length === 0 ? added : [...kept, ...added];
  return all.length > MAX_PATH ? all.slice(-MAX_PATH) : all;
}
