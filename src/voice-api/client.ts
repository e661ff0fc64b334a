/**
 * 8x8 Voice REST API client: webhooks (register, list, delete) and Send Callflow (outbound calls).
 *
 * - Auth: `Authorization: Bearer <api key>`; the key comes from EIGHTBYEIGHT_API_KEY only (never a flag or a file,
 *   so it stays out of shell history and the repository).
 * - Errors: one VoiceApiError with a kind per HTTP class and 8x8's own statusCode/statusMessage/errorId when sent.
 * - Retries: bounded exponential backoff with full jitter, honouring Retry-After. Send Callflow is retried only on
 *   429 (a refused request placed no call); a 5xx or a timeout may have placed one, and a retry could ring the
 *   person twice. The webhook calls are idempotent and are also retried on 5xx and network failures.
 */
import type { CallflowAction } from "../engine/callflow.js";

export const DEFAULT_BASE_URL = "https://voice.8x8.com";
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RETRIES = 3;
/** backoff before retry n (0-based) is random in [0, min(cap, base * 2^n)] */
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8_000;
/** a Retry-After beyond this is not waited for: the error is reported instead */
const MAX_RETRY_AFTER_MS = 60_000;

export type WebhookType = "VCA" | "VSS" | "VCS" | "VRU" | "VNU";

export interface WebhookRegistration {
  type: WebhookType;
  url: string;
  /** sent back verbatim by 8x8 with every delivery (our endpoints check it) */
  httpAuthHeader?: string;
  enabled?: boolean;
}

export interface RegisteredWebhook {
  type: string;
  url: string;
  enabled?: boolean;
  httpAuthHeaderAvailable?: boolean;
}

export interface WebhookList {
  subAccountId?: string;
  count?: number;
  webhooks: RegisteredWebhook[];
}

export interface SendCallflowRequest {
  callflow: CallflowAction[];
  /** ISO time after which 8x8 must not place the call */
  validUntil?: string;
}

export interface SendCallflowResult {
  sessionId: string;
  sessionStatus: string;
  callFlowRequestId?: string;
  validUntil?: string;
  statusCode?: number;
  statusMessage?: string;
}

export type VoiceApiErrorKind =
  | "bad-request"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "invalid"
  | "rate-limited"
  | "server"
  | "timeout"
  | "network"
  | "rejected";

/** What 8x8 puts in an error body (field types vary across its docs: statusCode is a number or a string). */
interface EightByEightErrorBody {
  statusCode?: number | string;
  statusMessage?: string;
  errorId?: string;
  sessionStatus?: string;
  callFlowRequestId?: string;
}

const ADVICE: Partial<Record<VoiceApiErrorKind, string>> = {
  unauthorized: "check EIGHTBYEIGHT_API_KEY (8x8 Connect > API keys)",
  forbidden: "the API key cannot use this subaccount or product",
  "not-found": "check the subaccount id (EIGHTBYEIGHT_SUBACCOUNT_ID or --subaccount) and the base URL",
  invalid: "8x8 refused the request body",
  "rate-limited": "8x8 rate limit (1,800 requests/s per subaccount); retried and still limited",
  server: "8x8 had an internal error",
  timeout: "no answer from 8x8 in time",
};

export class VoiceApiError extends Error {
  constructor(
    readonly kind: VoiceApiErrorKind,
    message: string,
    readonly details: {
      method: string;
      path: string;
      status?: number;
      statusCode?: number | string;
      statusMessage?: string;
      errorId?: string;
      attempts: number;
      /** what 8x8's Retry-After asked for (a rate-limited caller backs off at least this long) */
      retryAfterMs?: number;
    },
  ) {
    super(message);
    this.name = "VoiceApiError";
  }
}

function kindOf(status: number): VoiceApiErrorKind {
  if (status === 400) return "bad-request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status === 422) return "invalid";
  if (status === 429) return "rate-limited";
  if (status >= 500) return "server";
  return "bad-request";
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface VoiceApiOptions {
  apiKey: string;
  subAccountId: string;
  baseUrl?: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** for tests */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface VoiceApiEnvironment {
  EIGHTBYEIGHT_API_KEY?: string;
  EIGHTBYEIGHT_SUBACCOUNT_ID?: string;
  EIGHTBYEIGHT_BASE_URL?: string;
}

/** Options from the environment (the subaccount may come from a flag); throws a message naming what is missing. */
export function voiceApiOptionsFromEnv(
  env: VoiceApiEnvironment,
  overrides: { subAccountId?: string; baseUrl?: string } = {},
): VoiceApiOptions {
  const apiKey = env.EIGHTBYEIGHT_API_KEY;
  if (!apiKey) throw new Error("EIGHTBYEIGHT_API_KEY is not set (the 8x8 API key is read from the environment only)");
  const subAccountId = overrides.subAccountId ?? env.EIGHTBYEIGHT_SUBACCOUNT_ID;
  if (!subAccountId) throw new Error("no 8x8 subaccount: set EIGHTBYEIGHT_SUBACCOUNT_ID or pass --subaccount");
  return { apiKey, subAccountId, baseUrl: overrides.baseUrl ?? env.EIGHTBYEIGHT_BASE_URL ?? DEFAULT_BASE_URL };
}

interface RequestPlan {
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  /** may this request be sent again after a 5xx, a timeout or a network failure? */
  idempotent: boolean;
}

export class VoiceApiClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: VoiceApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  private get accountPath(): string {
    return `/api/v1/subaccounts/${encodeURIComponent(this.options.subAccountId)}`;
  }

  /**
   * Register (or re-register) a webhook. 8x8's API reference names the flag `enabled`, its guides and the Number
   * Masking schema `active`: both are sent with the same value, since an unknown field is ignored and either
   * spelling then means the same thing.
   */
  async registerWebhook(registration: WebhookRegistration): Promise<WebhookList> {
    const enabled = registration.enabled ?? true;
    const body = {
      type: registration.type,
      url: registration.url,
      ...(registration.httpAuthHeader !== undefined && { httpAuthHeader: registration.httpAuthHeader }),
      enabled,
      active: enabled,
    };
    const result = await this.request<WebhookList>({
      method: "POST",
      path: `${this.accountPath}/webhooks`,
      body,
      idempotent: true,
    });
    return { ...result, webhooks: result.webhooks ?? [] };
  }

  async listWebhooks(): Promise<WebhookList> {
    const result = await this.request<WebhookList>({
      method: "GET",
      path: `${this.accountPath}/webhooks`,
      idempotent: true,
    });
    return { ...result, webhooks: result.webhooks ?? [] };
  }

  async deleteWebhook(type: WebhookType): Promise<RegisteredWebhook> {
    return this.request<RegisteredWebhook>({
      method: "DELETE",
      path: `${this.accountPath}/webhooks/${encodeURIComponent(type)}`,
      idempotent: true,
    });
  }

  /** Place an outbound call. 8x8's `statusCode` 1 is success; anything else is a "rejected" error. */
  async sendCallflow(request: SendCallflowRequest): Promise<SendCallflowResult> {
    const path = `${this.accountPath}/callflows`;
    const result = await this.request<SendCallflowResult & EightByEightErrorBody>({
      method: "POST",
      path,
      body: { ...(request.validUntil && { validUntil: request.validUntil }), callflow: request.callflow },
      idempotent: false,
    });
    if (typeof result.sessionId !== "string" || (result.statusCode !== undefined && Number(result.statusCode) !== 1)) {
      throw new VoiceApiError(
        "rejected",
        `8x8 did not create the call: ${describeBody(result) || "no sessionId in the answer"}`,
        { method: "POST", path, ...bodyDetails(result), attempts: 1 },
      );
    }
    return result;
  }

  private async request<T>(plan: RequestPlan): Promise<T> {
    let attempt = 0;
    for (;;) {
      attempt++;
      const outcome = await this.attempt(plan, attempt);
      if (outcome.ok) return outcome.value as T;
      const { error } = outcome;
      const { retryAfterMs } = error.details;
      const retryable =
        error.kind === "rate-limited" ||
        (plan.idempotent && (error.kind === "server" || error.kind === "timeout" || error.kind === "network"));
      if (!retryable || attempt > this.maxRetries) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) throw error;
      const backoff = this.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      await this.sleep(Math.max(retryAfterMs ?? 0, backoff));
    }
  }

  private async attempt(
    plan: RequestPlan,
    attempt: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; error: VoiceApiError }> {
    const where = `${plan.method} ${plan.path}`;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${plan.path}`, {
        method: plan.method,
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          Accept: "application/json",
          ...(plan.body !== undefined && { "Content-Type": "application/json" }),
        },
        ...(plan.body !== undefined && { body: JSON.stringify(plan.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const timedOut = cause instanceof Error && (cause.name === "TimeoutError" || cause.name === "AbortError");
      const kind: VoiceApiErrorKind = timedOut ? "timeout" : "network";
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : errorMessage(cause);
      return {
        ok: false,
        error: new VoiceApiError(kind, `8x8 ${where}: ${reason}`, {
          method: plan.method,
          path: plan.path,
          attempts: attempt,
        }),
      };
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? {} : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok) {
      if (body === undefined) {
        return {
          ok: false,
          error: new VoiceApiError("server", `8x8 ${where}: answered ${response.status} with a body that is not JSON`, {
            method: plan.method,
            path: plan.path,
            status: response.status,
            attempts: attempt,
          }),
        };
      }
      return { ok: true, value: body };
    }
    const kind = kindOf(response.status);
    const details = bodyDetails(body);
    const said = describeBody(body);
    const advice = ADVICE[kind];
    const message = [`8x8 ${where} failed with HTTP ${response.status}`, said, advice].filter(Boolean).join(": ");
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    return {
      ok: false,
      error: new VoiceApiError(kind, message, {
        method: plan.method,
        path: plan.path,
        status: response.status,
        ...details,
        attempts: attempt,
        ...(retryAfterMs !== undefined && { retryAfterMs }),
      }),
    };
  }
}

function bodyDetails(body: unknown): { statusCode?: number | string; statusMessage?: string; errorId?: string } {
  if (!body || typeof body !== "object") return {};
  const b = body as EightByEightErrorBody;
  return {
    ...(b.statusCode !== undefined && { statusCode: b.statusCode }),
    ...(typeof b.statusMessage === "string" && { statusMessage: b.statusMessage }),
    ...(typeof b.errorId === "string" && { errorId: b.errorId }),
  };
}

/** "statusCode -1007 'invalid callflow' (errorId ...)" from whatever 8x8 sent. */
function describeBody(body: unknown): string {
  const d = bodyDetails(body);
  const parts: string[] = [];
  if (d.statusCode !== undefined) parts.push(`statusCode ${d.statusCode}`);
  if (d.statusMessage) parts.push(`"${d.statusMessage}"`);
  if (d.errorId) parts.push(`(errorId ${d.errorId})`);
  return parts.join(" ");
}

function errorMessage(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
  }
  return String(cause);
}
