/**
 * Campaign operations, the same for `ivr campaign` against a deployed stack and for the local server's routes:
 * start (everything checked first; nothing is stored unless all of it is right), status, results, pause, resume,
 * stop.
 */
import { randomBytes } from "node:crypto";
import { isOpen } from "../engine/hours.js";
import type { CompiledMachine } from "../engine/machine.js";
import type { FlowVersionStore } from "../store/ports.js";
import {
  burstOf,
  type Campaign,
  type CampaignStatus,
  type Contact,
  DEFAULT_RETRY_ON,
  type Pace,
  RETRYABLE_STATUSES,
  type RetryPolicy,
} from "./campaign.js";
import type { CampaignStore, StatusCounts } from "./campaign-store.js";
import { type ContactRow, type ContactsProblem, parseContacts } from "./contacts-csv.js";
import { sensitiveInputs } from "./inputs.js";
import { type ResultRow, resultRow } from "./results.js";
import { DEFAULT_WINDOW, flowTimeZone, parseWindow, windowFromHoursState } from "./window.js";

/** Contacts and campaigns are personal data: kept this long after the campaign starts, then TTL deletes them. */
export const DEFAULT_RETENTION_DAYS = 90;

export const DEFAULT_PACE: Pace = { callsPerSecond: 1, maxInProgress: 10 };
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, delaySeconds: 30 * 60, on: DEFAULT_RETRY_ON };

const E164 = /^\+[1-9][0-9]{6,14}$/;

export interface CampaignServiceDeps {
  store: CampaignStore;
  flowVersions: FlowVersionStore;
  now: () => Date;
}

export interface StartOptions {
  name?: string;
  /** caller id (default: the flow's first number) */
  from?: string;
  /** e.g. "mon-fri 09:00-18:00" (default DEFAULT_WINDOW), or `hoursState` */
  window?: string;
  /** an `hours` state of the flow whose hours, zone and closed dates are the calling window */
  hoursState?: string;
  /** default: the zone of the flow's hours states */
  timezone?: string;
  closedOn?: string[];
  pace?: Partial<Pace>;
  retry?: Partial<RetryPolicy>;
  numberColumn?: string;
  /** accept the simulated callee's `script` column (local runs only) */
  allowScript?: boolean;
  retentionDays?: number;
}

export type StartResult =
  | { ok: true; campaign: Campaign; rows: ContactRow[] }
  | { ok: false; problems: ContactsProblem[] };

/** "no-answer" / "NO_ANSWER" -> "NO_ANSWER"; undefined when it is not a status a campaign can retry on. */
export function retryStatus(name: string): string | undefined {
  const status = name.trim().toUpperCase().replace(/-/g, "_");
  return (RETRYABLE_STATUSES as readonly string[]).includes(status) ? status : undefined;
}

/** The campaign's settings from the options, or what is wrong with them (problems "on line -1": not the file's). */
function settingsOf(
  machine: CompiledMachine,
  options: StartOptions,
):
  | { ok: true; value: Pick<Campaign, "from" | "window" | "pace" | "retry"> }
  | { ok: false; problems: ContactsProblem[] } {
  const problems: string[] = [];
  const from = options.from ?? machine.numbers[0];
  if (!from) problems.push(`flow ${machine.flow} has no numbers: give the caller id (one of your 8x8 virtual numbers)`);
  else if (!E164.test(from)) problems.push("the caller id is not an E.164 number (like +6531234567)");

  let window: Campaign["window"] | undefined;
  if (options.hoursState !== undefined) {
    if (options.window !== undefined) problems.push("give either a calling window or an hours state, not both");
    const found = windowFromHoursState(machine, options.hoursState);
    if (found.ok)
      window = {
        ...found.window,
        closedOn: [...new Set([...found.window.closedOn, ...(options.closedOn ?? [])])].sort(),
      };
    else problems.push(found.message);
  } else {
    const timezone = options.timezone ?? flowTimeZone(machine);
    if (!timezone) {
      problems.push(`flow ${machine.flow} has no single time zone (in its hours states): give the window's time zone`);
    } else {
      const parsed = parseWindow(options.window ?? DEFAULT_WINDOW, timezone, options.closedOn ?? []);
      if (parsed.ok) window = parsed.window;
      else problems.push(`calling window: ${parsed.message}`);
    }
  }

  const pace: Pace = { ...DEFAULT_PACE, ...options.pace };
  if (!(pace.callsPerSecond > 0 && pace.callsPerSecond <= 1000))
    problems.push("the pace must be 0 < calls per second <= 1000");
  if (!(Number.isInteger(pace.maxInProgress) && pace.maxInProgress >= 1 && pace.maxInProgress <= 5000)) {
    problems.push("calls in progress must be a whole number from 1 to 5000");
  }
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  if (!(Number.isInteger(retry.attempts) && retry.attempts >= 1 && retry.attempts <= 10)) {
    problems.push("attempts must be a whole number from 1 to 10");
  }
  if (!(retry.delaySeconds >= 0)) problems.push("the retry delay must be zero or more");
  const on = retry.on.map((s) => retryStatus(s));
  if (on.some((s) => s === undefined)) {
    problems.push(
      `retry on: expected some of ${RETRYABLE_STATUSES.map((s) => s.toLowerCase().replace(/_/g, "-")).join(", ")}`,
    );
  }
  if (problems.length > 0 || !window || !from)
    return { ok: false, problems: problems.map((message) => ({ line: -1, message })) };
  return { ok: true, value: { from, window, pace, retry: { ...retry, on: on as string[] } } };
}

/** A readable, unique id: "<flow>-20261124-093000-a1b2c3". */
function campaignIdFor(flow: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${flow}-${stamp}-${randomBytes(3).toString("hex")}`;
}

/**
 * Check the options and every contact; store the flow version, then the contacts and the campaign (running).
 * `machine` is the version every call will run.
 */
export async function startCampaign(
  deps: CampaignServiceDeps,
  machine: CompiledMachine,
  csv: string,
  options: StartOptions = {},
): Promise<StartResult> {
  const settings = settingsOf(machine, options);
  const contacts = parseContacts(csv, machine, {
    ...(options.numberColumn !== undefined && { numberColumn: options.numberColumn }),
    ...(options.allowScript !== undefined && { allowScript: options.allowScript }),
  });
  const problems = [...(settings.ok ? [] : settings.problems), ...(contacts.ok ? [] : contacts.problems)];
  if (!settings.ok || !contacts.ok) return { ok: false, problems };

  const now = deps.now();
  const nowMs = now.getTime();
  const iso = now.toISOString();
  const expiresAt = Math.floor(nowMs / 1000) + (options.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400;
  const campaign: Campaign = {
    campaignId: campaignIdFor(machine.flow, now),
    ...(options.name !== undefined && { name: options.name }),
    flow: machine.flow,
    version: machine.version,
    ...settings.value,
    status: "running",
    contacts: contacts.rows.length,
    createdAt: iso,
    updatedAt: iso,
    tokens: burstOf(settings.value.pace),
    refilledAt: nowMs,
    active: [],
    lastProgressAt: nowMs,
    expiresAt,
  };
  const secret = new Set(sensitiveInputs(machine));
  const width = String(contacts.rows.length).length;
  const items: Contact[] = contacts.rows.map((row, i) => {
    const open: Record<string, string> = {};
    const hidden: Record<string, string> = {};
    for (const [name, value] of Object.entries(row.inputs)) (secret.has(name) ? hidden : open)[name] = value;
    return {
      campaignId: campaign.campaignId,
      contactId: String(i + 1).padStart(Math.max(6, width), "0"),
      line: row.line,
      to: row.to,
      inputs: open,
      ...(Object.keys(hidden).length > 0 && { secretInputs: hidden }),
      status: "pending",
      dueAt: nowMs,
      attempts: 0,
      history: [],
      updatedAt: iso,
      expiresAt,
    };
  });
  // The version first: the dispatcher loads it by (flow, version) for every call.
  await deps.flowVersions.put(machine);
  await deps.store.create(campaign, items);
  return { ok: true, campaign, rows: contacts.rows };
}

export interface CampaignReport {
  campaignId: string;
  name?: string;
  flow: string;
  version: string;
  status: CampaignStatus;
  pausedReason?: string;
  window: Campaign["window"];
  windowOpenNow: boolean;
  pace: Pace;
  retry: RetryPolicy;
  contacts: number;
  inProgress: number;
  counts: StatusCounts;
  createdAt: string;
  completedAt?: string;
  backoffUntil?: string;
}

export async function campaignStatus(
  deps: CampaignServiceDeps,
  campaignId: string,
): Promise<CampaignReport | undefined> {
  const campaign = await deps.store.get(campaignId);
  if (!campaign) return undefined;
  const counts = await deps.store.counts(campaignId);
  const now = deps.now();
  return {
    campaignId,
    ...(campaign.name !== undefined && { name: campaign.name }),
    flow: campaign.flow,
    version: campaign.version,
    status: campaign.status,
    ...(campaign.pausedReason !== undefined && { pausedReason: campaign.pausedReason }),
    window: campaign.window,
    windowOpenNow: isOpen(campaign.window, now),
    pace: campaign.pace,
    retry: campaign.retry,
    contacts: campaign.contacts,
    inProgress: campaign.active.length,
    counts,
    createdAt: campaign.createdAt,
    ...(campaign.completedAt !== undefined && { completedAt: campaign.completedAt }),
    ...(campaign.backoffUntil !== undefined &&
      campaign.backoffUntil > now.getTime() && { backoffUntil: new Date(campaign.backoffUntil).toISOString() }),
  };
}

/** One row per contact, in file order. */
export async function campaignResults(deps: CampaignServiceDeps, campaignId: string): Promise<ResultRow[] | undefined> {
  if (!(await deps.store.get(campaignId))) return undefined;
  const rows: ResultRow[] = [];
  for await (const contact of deps.store.contacts(campaignId)) rows.push(resultRow(contact));
  return rows;
}

export type CampaignAction = "pause" | "resume" | "stop";

const MOVES: Record<CampaignAction, { from: CampaignStatus[]; to: CampaignStatus }> = {
  pause: { from: ["running"], to: "paused" },
  resume: { from: ["paused"], to: "running" },
  // Calls in progress finish; nothing new starts, and a stopped campaign cannot be resumed.
  stop: { from: ["running", "paused"], to: "stopped" },
};

export type ActionResult =
  | { ok: true; campaign: Campaign }
  | { ok: false; reason: "unknown" }
  | { ok: false; reason: "status"; status: CampaignStatus };

export async function changeCampaign(
  deps: CampaignServiceDeps,
  campaignId: string,
  action: CampaignAction,
): Promise<ActionResult> {
  const move = MOVES[action];
  const moved = await deps.store.setStatus(campaignId, move.from, move.to, deps.now().getTime());
  if (moved) return { ok: true, campaign: moved };
  const current = await deps.store.get(campaignId);
  return current ? { ok: false, reason: "status", status: current.status } : { ok: false, reason: "unknown" };
}

/** What a refused action says. */
export function describeRefusal(action: CampaignAction, result: Extract<ActionResult, { ok: false }>): string {
  if (result.reason === "unknown") return "no such campaign";
  return `cannot ${action} a campaign that is ${result.status}`;
}
