/**
 * Runtime validation of webhook bodies with the validators generated at build time (no ajv on the hot path),
 * and the translation of the first schema error into a sentence a human can act on.
 */
import {
  type ValidationError,
  type Validator,
  validateVcaRequest,
  validateVssRequest,
} from "../../generated/webhook-validators.js";

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

/** "/payload/eventData/dtmf" -> "payload.eventData.dtmf"; the root is "body". */
function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  return parts.length === 0 ? "body" : parts.join(".");
}

const TYPE_NAMES: Record<string, string> = {
  object: "an object",
  string: "a string",
  number: "a number",
  integer: "an integer",
  null: "null",
  array: "an array",
  boolean: "true or false",
};

function typeList(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  const names = types.map((t) => TYPE_NAMES[String(t)] ?? String(t));
  return names.length <= 1 ? (names[0] ?? "valid") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;
}

/** One ajv error as a sentence: "payload.sessionId is required", "payload.callStatus must be one of ...". */
export function describeError(error: ValidationError): string {
  const { keyword, params } = error;
  if (keyword === "required") return `${fieldName(error.instancePath, String(params.missingProperty))} is required`;
  const field = fieldName(error.instancePath);
  switch (keyword) {
    case "type":
      return `${field} must be ${typeList(params.type)}`;
    case "enum":
      return `${field} must be one of ${(params.allowedValues as unknown[]).map(String).join(", ")}`;
    case "const":
      return `${field} must be ${JSON.stringify(params.allowedValue)}`;
    case "pattern":
      return /(^|\.)(dtmf|eventData)$/.test(field)
        ? `${field} must contain only the DTMF characters 0-9, * and #`
        : `${field} has an invalid format`;
    case "minLength":
      return params.limit === 1 ? `${field} must not be empty` : `${field} must be at least ${params.limit} characters`;
    case "maxLength":
      return `${field} must be at most ${params.limit} characters`;
    default:
      return `${field} ${error.message ?? "is invalid"}`;
  }
}

function validateWith<T>(validator: Validator, body: unknown): Validation<T> {
  if (validator(body)) return { ok: true, value: body as T };
  const first = validator.errors?.[0];
  return { ok: false, reason: first ? describeError(first) : "body is invalid" };
}

/** A VCA body as the schema guarantees it (unknown extra fields omitted). */
export interface VcaRequest {
  namespace?: string;
  eventType?: "CALL_ACTION";
  payload: {
    eventId: string;
    sessionId: string;
    callId: string;
    subAccountId?: string;
    callStatus: "CALL_RECEIVED" | "ACTION_COMPLETED" | "DTMF_RECEIVED";
    callDirection: "INBOUND" | "OUTBOUND";
    callType?: string;
    source: string;
    destination: string;
    callDuration?: string | number | null;
    clientActionId?: string | null;
    eventData?: { dtmf?: string | null; [key: string]: unknown } | string | null;
    dtmf?: string | null;
    [key: string]: unknown;
  };
}

/** A VSS body as the schema guarantees it. */
export interface VssRequest {
  namespace?: string;
  eventType?: "SESSION_SUMMARY";
  version?: number | string;
  payload: {
    sessionId: string;
    subAccountId?: string;
    sessionStatus: string;
    startTime?: string | null;
    endTime?: string | null;
    lastAction?: string | null;
    callCount?: number | string | null;
    details?: Record<string, Record<string, unknown>> | null;
    errorDetails?: Record<string, unknown> | null;
    [key: string]: unknown;
  };
}

export function validateVca(body: unknown): Validation<VcaRequest> {
  return validateWith<VcaRequest>(validateVcaRequest, body);
}

export function validateVss(body: unknown): Validation<VssRequest> {
  return validateWith<VssRequest>(validateVssRequest, body);
}

/** Deeper bodies are refused before parsing: 8x8's are about five levels deep, and parsing (or anything that
 * walks the value later) must never overflow the stack on one that is 30,000 levels deep. */
export const MAX_JSON_DEPTH = 100;

/** How deeply `text` nests arrays and objects, stopping as soon as it passes `limit` (strings are skipped). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

/** Parse a request body as JSON; the reason names the problem without echoing the body (it holds numbers). */
export function parseJsonBody(body: string | null | undefined): Validation<unknown> {
  if (body === null || body === undefined || body.trim() === "") return { ok: false, reason: "body is empty" };
  if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
    return { ok: false, reason: `body is nested deeper than ${MAX_JSON_DEPTH} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
}
