/**
 * Fallback markers (PLAN contract 4) with fencing: when a caller is answered with the fallback, the session item is
 * marked, and from then on no write computed before that answer can land (every create and replace is conditional
 * on the item's absence, or on its rev and on no marker: see SessionStore.markFallback). The marker also writes what
 * the caller heard: the session over where the fallback happened, the event and its answer. So whatever arrives late, a
 * timed-out write of the step the caller never heard, or a create that lands after the apology, the stored session
 * and the summary built from it say what the caller heard.
 *
 * The marker must land for that to hold, and it is written exactly when the store is misbehaving: the first attempt
 * gets FALLBACK_MARKER_BUDGET_MS (the caller is waiting for the apology); a marker that fails is kept and retried in
 * the background until it lands (up to MARKER_RETRY_FOR_MS), and the VSS waits for a pending marker of its session
 * before reading it (`settle`). Pending markers live in this process: the local server holds them until they land;
 * a Lambda container retries them when it next runs.
 */
import { errorFields, type Logger } from "../observability/logger.js";
import type { FallbackWrite, SessionStore } from "../store/ports.js";

/** How long a marker that cannot be written is retried before it is given up (and logged as an error). */
export const MARKER_RETRY_FOR_MS = 10 * 60 * 1000;
/** Each background attempt's own budget (the SDK's attempts inside it are 400 ms each). */
const ATTEMPT_BUDGET_MS = 2_000;
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

interface Pending {
  write: FallbackWrite;
  since: number;
  delayMs: number;
  timer?: NodeJS.Timeout;
  /** the attempt in flight, if any */
  attempt?: Promise<boolean>;
  /** resolves once the marker is written (or given up) */
  done: Promise<void>;
  finish: () => void;
}

export class FallbackMarkers {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly store: SessionStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Write the marker within `budgetMs`; if that fails, keep it and retry in the background. Never throws: the
   * caller gets the fallback either way.
   */
  async record(write: FallbackWrite, budgetMs: number): Promise<void> {
    if (await this.attempt(write, budgetMs, true)) return;
    if (this.pending.has(write.sessionId)) return; // the first fallback of the call is the one heard
    let finish = () => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: Pending = { write, since: Date.now(), delayMs: FIRST_RETRY_MS, done, finish };
    this.pending.set(write.sessionId, entry);
    this.schedule(entry);
  }

  /** Markers not yet written. */
  backlog(): number {
    return this.pending.size;
  }

  /**
   * Before a summary is built: if this session's marker is still pending, try it now and wait (at most `waitMs`)
   * for it to land, so a summary never describes a step the caller did not hear.
   */
  async settle(sessionId: string, waitMs: number): Promise<void> {
    const entry = this.pending.get(sessionId);
    if (!entry) return;
    if (!entry.attempt) {
      clearTimeout(entry.timer);
      void this.retry(entry);
    }
    await Promise.race([entry.done, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  /** Resolves once every pending marker landed or was given up, or after `waitMs`. */
  async drain(waitMs: number): Promise<number> {
    const all = [...this.pending.values()].map((entry) => entry.done);
    await Promise.race([Promise.all(all), new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
    return this.pending.size;
  }

  private schedule(entry: Pending): void {
    entry.timer = setTimeout(() => void this.retry(entry), entry.delayMs);
    entry.timer.unref(); // a pending marker never keeps a process alive
  }

  private async retry(entry: Pending): Promise<void> {
    entry.attempt = this.attempt(entry.write, ATTEMPT_BUDGET_MS, false);
    const landed = await entry.attempt;
    entry.attempt = undefined;
    if (landed) return this.settled(entry);
    if (Date.now() - entry.since >= MARKER_RETRY_FOR_MS) {
      this.logger.error("Gave up writing a fallback marker: the stored session may not show the fallback", {
        sessionId: entry.write.sessionId,
        pendingForMs: Date.now() - entry.since,
      });
      return this.settled(entry);
    }
    entry.delayMs = Math.min(entry.delayMs * 2, MAX_RETRY_MS);
    this.schedule(entry);
  }

  private settled(entry: Pending): void {
    this.pending.delete(entry.write.sessionId);
    entry.finish();
  }

  /** One write of the marker; true once it is in the store (or there is nothing to mark). */
  private async attempt(write: FallbackWrite, budgetMs: number, first: boolean): Promise<boolean> {
    try {
      const outcome = await this.store.markFallback(write, { signal: AbortSignal.timeout(budgetMs) });
      if (!first) this.logger.info("Fallback marker written after a retry", { sessionId: write.sessionId, outcome });
      return true;
    } catch (err) {
      if (first) {
        this.logger.warn("Could not write the fallback marker yet; retrying in the background", {
          sessionId: write.sessionId,
          ...errorFields(err),
        });
      }
      return false;
    }
  }
}

const byStore = new WeakMap<SessionStore, FallbackMarkers>();

/**
 * The markers of `deps`, or the ones shared by every handler on the same session store (the VCA writes them, the
 * VSS settles them: both must see the same pending markers).
 */
export function markersFor(deps: { markers?: FallbackMarkers; sessions: SessionStore; logger: Logger }) {
  if (deps.markers) return deps.markers;
  let markers = byStore.get(deps.sessions);
  if (!markers) {
    markers = new FallbackMarkers(deps.sessions, deps.logger);
    byStore.set(deps.sessions, markers);
  }
  return markers;
}
