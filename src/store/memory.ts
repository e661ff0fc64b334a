/**
 * In-memory adapters with the same semantics as the DynamoDB ones (the shared contract tests in test/store prove
 * it). For pure unit tests of the domain and for benchmark baselines only: nothing here is shared across processes.
 * Records are copied in and out, as a database would, so callers cannot mutate what is "stored".
 */
import type { CompiledMachine } from "../engine/machine.js";
import type {
  FallbackOutcome,
  FallbackWrite,
  FlowVersionStore,
  ReadOptions,
  ReportItem,
  SessionEnd,
  SessionRecord,
  SessionStore,
  SummaryIndex,
  SummaryRecord,
  SummaryStore,
  WriteOutcome,
} from "./ports.js";
import { sessionAttribute, sessionItem, sessionRecordFromItem } from "./session-item.js";

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class MemorySessionStore implements SessionStore {
  private readonly items = new Map<string, Record<string, unknown>>();

  async get(sessionId: string, now: Date, options?: ReadOptions): Promise<SessionRecord | undefined> {
    const record = this.read(sessionId);
    if (options?.includeExpired) return record;
    return record && record.expiresAt > epochSeconds(now) ? record : undefined;
  }

  async create(record: SessionRecord, now: Date): Promise<WriteOutcome> {
    const current = this.read(record.session.sessionId);
    if (current && current.expiresAt > epochSeconds(now)) return conflict(current);
    this.write(record);
    return { ok: true, record };
  }

  async replace(prev: SessionRecord, next: SessionRecord): Promise<WriteOutcome> {
    if (next.rev !== prev.rev + 1 || next.session.sessionId !== prev.session.sessionId) {
      throw new Error(
        `replace: next must be the same session with rev ${prev.rev + 1} (got ${next.session.sessionId} rev ${next.rev})`,
      );
    }
    const current = this.read(prev.session.sessionId);
    if (current?.rev !== prev.rev || current.fallback !== undefined) return conflict(current);
    this.write(next);
    return { ok: true, record: next };
  }

  async markFallback(write: FallbackWrite): Promise<FallbackOutcome> {
    const item = this.items.get(write.sessionId);
    if (item?.fallback !== undefined) return "already";
    if (!item && !write.session) return "absent";
    this.items.set(
      write.sessionId,
      copy({
        ...item,
        sessionId: write.sessionId,
        ...(write.session && { session: sessionAttribute(write.session) }),
        rev: ((item?.rev as number | undefined) ?? 0) + 1,
        fallback: write.marker,
        lastEventId: write.eventId,
        lastAnswer: write.answer,
        expiresAt: write.expiresAt,
      }),
    );
    return "marked";
  }

  /** The session half of MemorySummaryStore.putOnce's "transaction": false when the session moved on. */
  canEnd(end: SessionEnd): boolean {
    const current = this.read(end.sessionId);
    return current?.rev === end.rev && current.endedAt === undefined;
  }

  end(end: SessionEnd): void {
    const current = this.read(end.sessionId);
    if (current) this.write({ ...current, endedAt: end.endedAt, rev: current.rev + 1 });
  }

  private read(sessionId: string): SessionRecord | undefined {
    const item = this.items.get(sessionId);
    return item ? sessionRecordFromItem(copy(item)) : undefined;
  }

  private write(record: SessionRecord): void {
    this.items.set(record.session.sessionId, copy(sessionItem(record)));
  }
}

export class MemoryFlowVersionStore implements FlowVersionStore {
  private readonly machines = new Map<string, string>();

  async put(machine: CompiledMachine): Promise<void> {
    const key = `${machine.flow}\u0000${machine.version}`;
    if (!this.machines.has(key)) this.machines.set(key, JSON.stringify(machine));
  }

  async get(flow: string, version: string): Promise<CompiledMachine | undefined> {
    const json = this.machines.get(`${flow}\u0000${version}`);
    return json === undefined ? undefined : (JSON.parse(json) as CompiledMachine);
  }
}

export class MemorySummaryStore implements SummaryStore, SummaryIndex {
  private readonly summaries = new Map<string, SummaryRecord>();

  /** `sessions`: where putOnce's `end` marks the session ended (required when an end is given) */
  constructor(private readonly sessions?: MemorySessionStore) {}

  async putOnce(summary: SummaryRecord, end?: SessionEnd): Promise<{ created: boolean; sessionChanged?: boolean }> {
    if (this.summaries.has(summary.sessionId)) return { created: false };
    if (end) {
      if (!this.sessions) throw new Error("MemorySummaryStore needs the MemorySessionStore to end sessions");
      if (!this.sessions.canEnd(end)) return { created: false, sessionChanged: true };
      this.sessions.end(end);
    }
    this.summaries.set(summary.sessionId, copy(summary));
    return { created: true };
  }

  async *byFlow(flow: string, from: string, to: string): AsyncIterable<ReportItem[]> {
    const items = [...this.summaries.values()]
      .filter((s) => s.flow === flow && s.receivedAt >= from && s.receivedAt <= to)
      .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    yield copy(items);
  }

  async get(sessionId: string): Promise<SummaryRecord | undefined> {
    const summary = this.summaries.get(sessionId);
    return summary === undefined ? undefined : copy(summary);
  }
}

/** A failed condition is a rival's write, even one that stored the same record (in memory nothing is retried). */
function conflict(current: SessionRecord | undefined): WriteOutcome {
  return { ok: false, current };
}

function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}
