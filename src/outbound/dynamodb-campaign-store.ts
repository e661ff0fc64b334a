/**
 * CampaignStore on DynamoDB (tables in src/store/tables.ts).
 *
 * Campaign item: the Campaign, `active` as a string set (absent when empty: DynamoDB has no empty sets).
 * Contact item: the Contact plus `statusKey` = "<campaignId>#<status>", the partition key of the byStatusDue index
 * (sort key dueAt), so "due pending contacts" is one Query and a claim one conditional UpdateItem.
 *
 * Conditional writes return the current item on failure (ALL_OLD) where the caller retries from it (the token
 * bucket), so a lost race costs no second read.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  CAMPAIGNS_BY_STATUS_INDEX,
  CAMPAIGNS_TABLE,
  CONTACTS_BY_STATUS_DUE_INDEX,
  CONTACTS_TABLE,
  tableName,
} from "../store/tables.js";
import {
  type Campaign,
  type CampaignStatus,
  type Contact,
  type ContactStatus,
  type Outcome,
  parseMember,
  tokensAt,
} from "./campaign.js";
import type { CampaignStore, ContactKey, Settlement, StatusCounts } from "./campaign-store.js";
import { mapLimit } from "./map-limit.js";

const STATUS_INDEX = CAMPAIGNS_BY_STATUS_INDEX.name;
const DUE_INDEX = CONTACTS_BY_STATUS_DUE_INDEX.name;
/** BatchWriteItem takes 25 items, BatchGetItem 100. */
const WRITE_BATCH = 25;
const READ_BATCH = 100;
const CREATE_CONCURRENCY = 8;

export function statusKey(campaignId: string, status: ContactStatus): string {
  return `${campaignId}#${status}`;
}

function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException;
}

/** Six decimals are plenty for tokens, and keep the stored number a short, exact decimal. */
function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

export class DynamoCampaignStore implements CampaignStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly campaignsTable: string = tableName(CAMPAIGNS_TABLE),
    private readonly contactsTable: string = tableName(CONTACTS_TABLE),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  // --- campaigns ---------------------------------------------------------------------------------------------

  async create(campaign: Campaign, contacts: readonly Contact[]): Promise<void> {
    const batches: Contact[][] = [];
    for (let i = 0; i < contacts.length; i += WRITE_BATCH) batches.push(contacts.slice(i, i + WRITE_BATCH));
    await mapLimit(batches, CREATE_CONCURRENCY, (batch) => this.writeBatch(batch.map((c) => contactItem(c))));
    await this.client.send(
      new PutCommand({
        TableName: this.campaignsTable,
        Item: campaignItem(campaign),
        ConditionExpression: "attribute_not_exists(campaignId)",
      }),
    );
  }

  /** One BatchWriteItem, its unprocessed items retried with backoff (DynamoDB throttles part of a batch). */
  private async writeBatch(items: Record<string, unknown>[]): Promise<void> {
    let requests = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8) throw new Error(`DynamoDB kept ${requests.length} contact writes unprocessed`);
      if (attempt > 0) await this.sleep(Math.min(2_000, 50 * 2 ** attempt) * Math.random());
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.contactsTable]: requests } }),
      );
      requests = (UnprocessedItems?.[this.contactsTable] ?? []) as typeof requests;
    }
  }

  async get(campaignId: string): Promise<Campaign | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.campaignsTable, Key: { campaignId }, ConsistentRead: true }),
    );
    return Item ? campaignFromItem(Item) : undefined;
  }

  async list(status: CampaignStatus): Promise<Campaign[]> {
    const ids: string[] = [];
    for await (const page of this.pages({
      TableName: this.campaignsTable,
      IndexName: STATUS_INDEX,
      KeyConditionExpression: "#status = :status",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":status": status },
    })) {
      for (const item of page.Items ?? []) ids.push(item.campaignId as string);
    }
    // The index is eventually consistent: read each campaign and keep those still in that status.
    const campaigns = await Promise.all(ids.map((id) => this.get(id)));
    return campaigns.filter((c): c is Campaign => c?.status === status);
  }

  async setStatus(
    campaignId: string,
    from: readonly CampaignStatus[],
    to: CampaignStatus,
    now: number,
    reason?: string,
  ): Promise<Campaign | undefined> {
    const values: Record<string, unknown> = { ":to": to, ":updatedAt": new Date(now).toISOString() };
    from.forEach((status, i) => {
      values[`:from${i}`] = status;
    });
    const sets = ["#status = :to", "updatedAt = :updatedAt"];
    const removes: string[] = [];
    if (reason !== undefined) {
      sets.push("pausedReason = :reason");
      values[":reason"] = reason;
    } else removes.push("pausedReason");
    if (to === "completed") sets.push("completedAt = :updatedAt");
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.campaignsTable,
          Key: { campaignId },
          UpdateExpression: `SET ${sets.join(", ")}${removes.length > 0 ? ` REMOVE ${removes.join(", ")}` : ""}`,
          ConditionExpression: `attribute_exists(campaignId) AND #status IN (${from.map((_, i) => `:from${i}`).join(", ")})`,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? campaignFromItem(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  // --- the pacer ---------------------------------------------------------------------------------------------

  async takeTokens(campaign: Campaign, wanted: number, now: number): Promise<number> {
    let seen: Campaign = campaign;
    for (let attempt = 0; attempt < 8; attempt++) {
      if (seen.status !== "running") return 0;
      const at = Math.max(now, seen.refilledAt);
      const available = tokensAt(seen, at);
      const take = Math.min(wanted, Math.floor(available + 1e-9));
      if (take <= 0) return 0;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.campaignsTable,
            Key: { campaignId: seen.campaignId },
            UpdateExpression: "SET tokens = :left, refilledAt = :at",
            ConditionExpression: "tokens = :tokens AND refilledAt = :refilledAt AND #status = :running",
            ExpressionAttributeNames: { "#status": "status" },
            ExpressionAttributeValues: {
              ":left": round(available - take),
              ":at": at,
              ":tokens": seen.tokens,
              ":refilledAt": seen.refilledAt,
              ":running": "running",
            },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return take;
      } catch (error) {
        if (!isConditionFailure(error) || !error.Item) throw error;
        // Another dispatcher took tokens first: decide again on the bucket as it now is.
        seen = campaignFromItem(unmarshall(error.Item));
      }
    }
    return 0;
  }

  async refundTokens(campaignId: string, count: number): Promise<void> {
    if (count <= 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.campaignsTable,
        Key: { campaignId },
        UpdateExpression: "ADD tokens :count",
        ConditionExpression: "attribute_exists(campaignId)",
        ExpressionAttributeValues: { ":count": count },
      }),
    );
  }

  async addActive(campaignId: string, member: string, maxInProgress: number, now: number): Promise<boolean> {
    return this.conditional({
      TableName: this.campaignsTable,
      Key: { campaignId },
      UpdateExpression: "ADD active :member SET lastProgressAt = :now",
      ConditionExpression: "#status = :running AND (attribute_not_exists(active) OR size(active) < :max)",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":member": new Set([member]),
        ":now": now,
        ":running": "running",
        ":max": maxInProgress,
      },
    });
  }

  async removeActive(campaignId: string, member: string, now: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.campaignsTable,
        Key: { campaignId },
        UpdateExpression: "DELETE active :member SET lastProgressAt = :now",
        ConditionExpression: "attribute_exists(campaignId)",
        ExpressionAttributeValues: { ":member": new Set([member]), ":now": now },
      }),
    );
  }

  async backOff(campaignId: string, until: number): Promise<void> {
    // A failed condition: someone already backed off for longer.
    await this.conditional({
      TableName: this.campaignsTable,
      Key: { campaignId },
      UpdateExpression: "SET backoffUntil = :until",
      ConditionExpression:
        "attribute_exists(campaignId) AND (attribute_not_exists(backoffUntil) OR backoffUntil < :until)",
      ExpressionAttributeValues: { ":until": until },
    });
  }

  async removeStaleMember(campaignId: string, member: string): Promise<boolean> {
    const parsed = parseMember(member);
    if (!parsed) return false;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.contactsTable,
                Key: { campaignId, contactId: parsed.contactId },
                ConditionExpression: "NOT (attempts = :attempt AND #status IN (:dialing, :calling))",
                ExpressionAttributeNames: { "#status": "status" },
                ExpressionAttributeValues: { ":attempt": parsed.attempt, ":dialing": "dialing", ":calling": "calling" },
              },
            },
            {
              Update: {
                TableName: this.campaignsTable,
                Key: { campaignId },
                UpdateExpression: "DELETE active :member",
                ExpressionAttributeValues: { ":member": new Set([member]) },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  // --- contacts ----------------------------------------------------------------------------------------------

  async due(campaignId: string, status: ContactStatus, now: number, limit: number): Promise<ContactKey[]> {
    if (limit <= 0) return [];
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.contactsTable,
        IndexName: DUE_INDEX,
        KeyConditionExpression: "statusKey = :key AND dueAt <= :now",
        ExpressionAttributeValues: { ":key": statusKey(campaignId, status), ":now": now },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((item) => ({
      campaignId: item.campaignId as string,
      contactId: item.contactId as string,
      dueAt: item.dueAt as number,
    }));
  }

  async claim(
    campaignId: string,
    contactId: string,
    now: number,
    leaseUntil: number,
    claimId: string,
  ): Promise<Contact | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.contactsTable,
          Key: { campaignId, contactId },
          UpdateExpression:
            "SET #status = :dialing, statusKey = :key, dueAt = :lease, claimId = :claim, updatedAt = :at " +
            "ADD attempts :one",
          ConditionExpression: "#status = :pending AND dueAt <= :now",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":dialing": "dialing",
            ":pending": "pending",
            ":key": statusKey(campaignId, "dialing"),
            ":lease": leaseUntil,
            ":claim": claimId,
            ":at": new Date(now).toISOString(),
            ":now": now,
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return Attributes ? contactFromItem(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined; // another dispatcher has it, or it is no longer due
      throw error;
    }
  }

  async release(contact: Contact, dueAt: number, now: number): Promise<boolean> {
    return this.moveClaimed(contact, "pending", dueAt, now, {
      add: "attempts :minusOne",
      remove: "claimId",
      values: { ":minusOne": -1 },
    });
  }

  async markCalling(contact: Contact, sessionId: string, deadline: number, now: number): Promise<boolean> {
    return this.moveClaimed(contact, "calling", deadline, now, {
      set: "sessionId = :session",
      values: { ":session": sessionId },
    });
  }

  /** A contact still held by `contact.claimId` (dialing) moved to `to`, due at `dueAt`, with extra clauses. */
  private moveClaimed(
    contact: Contact,
    to: ContactStatus,
    dueAt: number,
    now: number,
    extra: { set?: string; add?: string; remove?: string; values: Record<string, unknown> },
  ): Promise<boolean> {
    const clauses = [
      `SET #status = :to, statusKey = :key, dueAt = :due, updatedAt = :at${extra.set ? `, ${extra.set}` : ""}`,
      ...(extra.add ? [`ADD ${extra.add}`] : []),
      ...(extra.remove ? [`REMOVE ${extra.remove}`] : []),
    ];
    return this.conditional({
      TableName: this.contactsTable,
      Key: { campaignId: contact.campaignId, contactId: contact.contactId },
      UpdateExpression: clauses.join(" "),
      ConditionExpression: "#status = :dialing AND claimId = :claim",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: {
        ":to": to,
        ":dialing": "dialing",
        ":key": statusKey(contact.campaignId, to),
        ":due": dueAt,
        ":at": new Date(now).toISOString(),
        ":claim": contact.claimId,
        ...extra.values,
      },
    });
  }

  async settle({ campaignId, contactId, attempt, next, record, now }: Settlement): Promise<boolean> {
    const status: ContactStatus = next.kind === "retry" ? "pending" : "done";
    const sets = [
      "#status = :status",
      "statusKey = :key",
      "dueAt = :due",
      "updatedAt = :at",
      "history = list_append(if_not_exists(history, :none), :record)",
    ];
    const removes = ["claimId"];
    const values: Record<string, unknown> = {
      ":status": status,
      ":key": statusKey(campaignId, status),
      ":due": next.kind === "retry" ? next.dueAt : now,
      ":at": new Date(now).toISOString(),
      ":none": [],
      ":record": [record],
      ":attempt": attempt,
      ":dialing": "dialing",
      ":calling": "calling",
    };
    if (next.error !== undefined) {
      sets.push("lastError = :error");
      values[":error"] = next.error;
    }
    if (record.sessionId !== undefined) {
      sets.push("sessionId = :session");
      values[":session"] = record.sessionId;
    }
    if (next.kind === "final") {
      sets.push("outcome = :outcome");
      values[":outcome"] = next.outcome;
      if (next.result !== undefined) {
        sets.push("#result = :result");
        values[":result"] = next.result;
      }
      // Sensitive inputs are kept only while the contact may still be called.
      removes.push("secretInputs");
    }
    return this.conditional({
      TableName: this.contactsTable,
      Key: { campaignId, contactId },
      UpdateExpression: `SET ${sets.join(", ")} REMOVE ${removes.join(", ")}`,
      ConditionExpression: "attempts = :attempt AND #status IN (:dialing, :calling)",
      ExpressionAttributeNames: {
        "#status": "status",
        ...(next.kind === "final" && next.result !== undefined && { "#result": "result" }),
      },
      ExpressionAttributeValues: values,
    });
  }

  async getContacts(campaignId: string, contactIds: readonly string[]): Promise<Contact[]> {
    const out: Contact[] = [];
    for (let i = 0; i < contactIds.length; i += READ_BATCH) {
      let keys: Record<string, unknown>[] = contactIds
        .slice(i, i + READ_BATCH)
        .map((contactId) => ({ campaignId, contactId }));
      for (let attempt = 0; keys.length > 0; attempt++) {
        if (attempt > 8) throw new Error(`DynamoDB kept ${keys.length} contact reads unprocessed`);
        if (attempt > 0) await this.sleep(Math.min(2_000, 50 * 2 ** attempt) * Math.random());
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.contactsTable]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.contactsTable] ?? []) out.push(contactFromItem(item));
        keys = (UnprocessedKeys?.[this.contactsTable]?.Keys ?? []) as Record<string, unknown>[];
      }
    }
    return out;
  }

  async *contacts(campaignId: string): AsyncIterable<Contact> {
    for await (const page of this.pages({
      TableName: this.contactsTable,
      KeyConditionExpression: "campaignId = :id",
      ExpressionAttributeValues: { ":id": campaignId },
      ConsistentRead: true,
    })) {
      for (const item of page.Items ?? []) yield contactFromItem(item);
    }
  }

  async counts(campaignId: string): Promise<StatusCounts> {
    const byStatus: Record<ContactStatus, number> = { pending: 0, dialing: 0, calling: 0, done: 0 };
    const outcomes: Partial<Record<Outcome, number>> = {};
    await Promise.all(
      (Object.keys(byStatus) as ContactStatus[]).map(async (status) => {
        for await (const page of this.pages({
          TableName: this.contactsTable,
          IndexName: DUE_INDEX,
          KeyConditionExpression: "statusKey = :key",
          ExpressionAttributeValues: { ":key": statusKey(campaignId, status) },
          ...(status === "done" ? { ProjectionExpression: "outcome" } : { Select: "COUNT" }),
        })) {
          byStatus[status] += page.Count ?? 0;
          for (const item of page.Items ?? []) {
            const outcome = item.outcome as Outcome | undefined;
            if (outcome) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          }
        }
      }),
    );
    return { byStatus, outcomes };
  }

  async hasUnfinished(campaignId: string): Promise<boolean> {
    for await (const page of this.pages({
      TableName: this.contactsTable,
      KeyConditionExpression: "campaignId = :id",
      FilterExpression: "#status <> :done",
      ProjectionExpression: "contactId",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":id": campaignId, ":done": "done" },
      ConsistentRead: true,
    })) {
      if ((page.Count ?? 0) > 0) return true;
    }
    return false;
  }

  private async *pages(input: QueryCommandInput): AsyncIterable<QueryCommandOutput> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      yield page;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private async conditional(input: ConstructorParameters<typeof UpdateCommand>[0]): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand(input));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function campaignItem(campaign: Campaign): Record<string, unknown> {
  const { active, ...rest } = campaign;
  return { ...rest, ...(active.length > 0 && { active: new Set(active) }) };
}

function campaignFromItem(item: Record<string, unknown>): Campaign {
  const active = item.active instanceof Set ? [...(item.active as Set<string>)] : [];
  return { ...(item as unknown as Campaign), active };
}

function contactItem(contact: Contact): Record<string, unknown> {
  return { ...contact, statusKey: statusKey(contact.campaignId, contact.status) };
}

function contactFromItem(item: Record<string, unknown>): Contact {
  const { statusKey: _key, ...contact } = item as unknown as Contact & { statusKey?: string };
  return { ...contact, history: contact.history ?? [] };
}
