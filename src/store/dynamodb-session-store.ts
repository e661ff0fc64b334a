/**
 * SessionStore on DynamoDB: one item per call, optimistic locking on `rev`.
 *
 * Item: { sessionId (pk), session (JSON text), rev, lastEventId?, lastAnswer? (the JSON sent), expiresAt (TTL, epoch s),
 * endedAt?, fallback?, claim?, sealed? } (session-item.ts).
 * Every conditional write asks for the current item on failure (ReturnValuesOnConditionCheckFailure: ALL_OLD), so a
 * conflict costs no second read on the hot path. Every write also stores a fresh `writeId`: a failed condition
 * that finds our own writeId is the SDK retrying a request that had landed, and a different one is a rival write,
 * even when the rival wrote the very same record (concurrent deliveries of one event compute identical records).
 */
import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { bounded } from "./abortable.js";
import type {
  FallbackOutcome,
  FallbackWrite,
  ReadOptions,
  SessionRecord,
  SessionStore,
  StoreCallOptions,
  WriteOutcome,
} from "./ports.js";
import { openedSessionRecord, sealedSessionItem, sessionAttribute } from "./session-item.js";
import { SESSIONS_TABLE, tableName } from "./tables.js";
import type { VarVault } from "./var-encryption.js";

export class DynamoSessionStore implements SessionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string = tableName(SESSIONS_TABLE),
    /** encrypts the records' sensitive variables at rest; absent: they are stored as they are */
    private readonly vault?: VarVault,
  ) {}

  async get(sessionId: string, now: Date, options?: ReadOptions): Promise<SessionRecord | undefined> {
    const record = await bounded(options, async (http) => {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.table, Key: { sessionId }, ConsistentRead: true }),
        http,
      );
      return Item ? openedSessionRecord(Item, this.vault) : undefined;
    });
    // TTL deletion lags by up to days: an expired item is a finished call, not a live one.
    if (options?.includeExpired) return record;
    return record && record.expiresAt > epochSeconds(now) ? record : undefined;
  }

  async create(record: SessionRecord, now: Date, options?: StoreCallOptions): Promise<WriteOutcome> {
    const writeId = randomUUID();
    try {
      // Sealing may wait on KMS (a new data key): inside the bounded call, so the deadline covers it too.
      await bounded(options, async (http) =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...(await sealedSessionItem(record, this.vault)), writeId },
            ConditionExpression: "attribute_not_exists(sessionId) OR expiresAt <= :now",
            ExpressionAttributeValues: { ":now": epochSeconds(now) },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
          http,
        ),
      );
      return { ok: true, record };
    } catch (error) {
      return this.conflict(error, record, writeId);
    }
  }

  async replace(prev: SessionRecord, next: SessionRecord, options?: StoreCallOptions): Promise<WriteOutcome> {
    assertSuccessor(prev, next);
    const writeId = randomUUID();
    // Once sealed, always sealed: a record built without the names keeps those of the record it replaces.
    const names = next.sensitive ?? prev.sensitive;
    try {
      await bounded(options, async (http) =>
        this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...(await sealedSessionItem(next, this.vault, names)), writeId },
            // Fenced: a write computed before a fallback answer can never land after its marker.
            ConditionExpression: "rev = :prevRev AND attribute_not_exists(fallback)",
            ExpressionAttributeValues: { ":prevRev": prev.rev },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
          http,
        ),
      );
      return { ok: true, record: next };
    } catch (error) {
      return this.conflict(error, next, writeId);
    }
  }

  async markFallback(write: FallbackWrite, options?: StoreCallOptions): Promise<FallbackOutcome> {
    const values: Record<string, unknown> = {
      ":marker": write.marker,
      ":eventId": write.eventId,
      ":answer": write.answer,
      ":expiresAt": write.expiresAt,
      ":zero": 0,
      ":one": 1,
    };
    let set = "fallback = :marker, lastEventId = :eventId, lastAnswer = :answer, expiresAt = :expiresAt";
    let condition = "attribute_not_exists(fallback)";
    if (write.session) {
      set += ", #session = :session";
      values[":session"] = sessionAttribute(write.session);
    } else {
      condition = `attribute_exists(sessionId) AND ${condition}`;
    }
    try {
      await bounded(options, (http) =>
        this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { sessionId: write.sessionId },
            // writeId goes: a retried write of ours that finds it must not take itself for the winner. With the
            // session as heard (over: its secrets masked), the sealed values go too.
            UpdateExpression: `SET ${set}, rev = if_not_exists(rev, :zero) + :one REMOVE writeId${write.session ? ", sealed" : ""}`,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
            ...(write.session && { ExpressionAttributeNames: { "#session": "session" } }),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
          http,
        ),
      );
      return "marked";
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return error.Item ? "already" : "absent";
    }
  }

  private async conflict(error: unknown, attempted: SessionRecord, writeId: string): Promise<WriteOutcome> {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // The SDK retries timed-out requests; when our first attempt did land, the retry "conflicts" with our own
    // write, which the writeId (the same in every attempt of one request) recognises.
    const item = error.Item ? unmarshall(error.Item) : undefined;
    if (item?.writeId === writeId && item.fallback === undefined) return { ok: true, record: attempted };
    return { ok: false, current: item ? await openedSessionRecord(item, this.vault) : undefined };
  }
}

function assertSuccessor(prev: SessionRecord, next: SessionRecord): void {
  if (next.rev !== prev.rev + 1 || next.session.sessionId !== prev.session.sessionId) {
    throw new Error(
      `replace: next must be the same session with rev ${prev.rev + 1} (got ${next.session.sessionId} rev ${next.rev})`,
    );
  }
}

function epochSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}
