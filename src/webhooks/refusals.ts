/**
 * Refused requests in the logs without a line per request: a misconfigured secret or a scanner makes thousands of
 * them (4,515 refusals were 4,515 warning lines). The first refusal of each kind (webhook, status, reason) is logged
 * at once; the rest are counted and reported in one line when the next one comes after the window, with how many
 * there were and from how many sources.
 */
import type { Logger } from "../observability/logger.js";

/** One summary line per kind of refusal at most this often. */
export const REFUSAL_WINDOW_MS = 60_000;
/** Source addresses named in a summary line, at most. */
const MAX_SOURCES = 3;

interface Window {
  startedAt: number;
  count: number;
  sources: Map<string, number>;
}

export class RefusalLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: () => number,
    private readonly windowMs = REFUSAL_WINDOW_MS,
  ) {}

  /** `message` must name the kind, never a value: it is the key refusals are counted by. */
  refused(message: string, status: number, fields: { sourceIp?: string | undefined } & Record<string, unknown> = {}) {
    const key = `${status} ${message}`;
    const now = this.clock();
    const window = this.windows.get(key);
    if (!window) {
      this.windows.set(key, { startedAt: now, count: 0, sources: new Map() });
      this.logger.warn(message, {
        status,
        ...fields,
        note: "further refusals like this are counted, one line a minute",
      });
      return;
    }
    window.count++;
    const source = fields.sourceIp ?? "unknown";
    window.sources.set(source, (window.sources.get(source) ?? 0) + 1);
    if (now - window.startedAt < this.windowMs) return;
    const seconds = Math.round((now - window.startedAt) / 1000);
    const top = [...window.sources.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SOURCES);
    this.logger.warn(message.replace(/: /, ` ${window.count} times in the last ${seconds} s: `), {
      status,
      refused: window.count,
      distinctSources: window.sources.size,
      topSources: Object.fromEntries(top),
    });
    this.windows.set(key, { startedAt: now, count: 0, sources: new Map() });
  }
}
