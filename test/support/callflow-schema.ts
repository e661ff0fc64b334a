/**
 * Checks a callflow (the `callflow` array of a VCA answer or Send Callflow request) the way 8x8 would:
 * 1. against the Send Callflow request schema of 8x8's OpenAPI description (vendored verbatim, only reformatted,
 *    as ./8x8-voice-api.openapi.json from /work/shared/reference), with minimal fixes for its documented defects;
 * 2. against the rules of 8x8's guides that the schema does not express (docs: shared/8x8-voice-api.md).
 * Test-only: schema compilation happens once per test process, never on the Lambda hot path.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const OPENAPI_FILE = new URL("./8x8-voice-api.openapi.json", import.meta.url);
const SEND_CALLFLOW = "/api/v1/subaccounts/{subAccountId}/callflows";
const ACTIONS = ["makeCall", "say", "playFile", "sayAndCapture", "hangup"] as const;
const MAX_TEXT = maxTextLength();
const PHONE = /^\+?[0-9]{6,15}$/;

/** 8x8's own words in the OpenAPI description: "Maximum voice message length is 3000 characters". */
function maxTextLength(): number {
  const stated = /Maximum voice message length is (\d+) characters/.exec(readFileSync(OPENAPI_FILE, "utf8"));
  if (!stated) throw new Error("OpenAPI: the voice message length limit is no longer stated");
  return Number(stated[1]);
}

function asObject(value: Json | undefined, what: string): JsonObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error(`OpenAPI: ${what} missing`);
  return value;
}

/** Follows a local JSON pointer ("#/paths/~1api..."): URI-decoded, then ~1 -> "/" and ~0 -> "~". */
function pointer(root: Json, ref: string): Json {
  let node: Json = root;
  for (const raw of ref.replace(/^#\//, "").split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = (Array.isArray(node) ? node[Number(key)] : asObject(node, ref)[key]) ?? null;
  }
  return node;
}

/** Inlines local `$ref`s, so the extracted sub-schema stands alone; drops OpenAPI's `nullable` (see below). */
function standalone(node: Json, root: Json): Json {
  if (Array.isArray(node)) return node.map((item) => standalone(item, root));
  if (node === null || typeof node !== "object") return node;
  const ref = node.$ref;
  if (typeof ref === "string" && ref.startsWith("#/")) return standalone(pointer(root, ref), root);
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // Defect: `nullable` is an OpenAPI keyword, not JSON Schema. We never send null, so keep the plain type.
    if (key !== "nullable") copy[key] = standalone(value, root);
  }
  return copy;
}

function sendCallflowSchema(): JsonObject {
  const openapi = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Json;
  const post = pointer(openapi, `#/paths/${SEND_CALLFLOW.replace(/\//g, "~1")}/post`);
  const schema = pointer(post, "#/requestBody/content/application~1json/schema");
  const request = asObject(standalone(schema, openapi), "Send Callflow schema");
  const body = asObject((request.anyOf as Json[] | undefined)?.[0], "Callflow Request");
  const items = asObject(asObject(asObject(body.properties, "properties").callflow, "callflow").items, "items");
  const byTitle = new Map<string, JsonObject>();
  for (const item of (items.anyOf as Json[]) ?? []) {
    const object = asObject(item, "callflow item");
    byTitle.set(String(object.title), object);
    // Defect: no branch requires `action`, so `{}` matches every branch; 8x8 rejects a missing action (-1007).
    object.required = [...new Set([...((object.required as string[] | undefined) ?? []), "action"])];
  }
  const params = (title: string) =>
    asObject(asObject(asObject(byTitle.get(title), title).properties, title).params, `${title}.params`);

  // Defect: SayAndCapture's `required: [promptMessage, voiceProfile]` sits on the action item, not its params.
  const capture = asObject(byTitle.get("SayAndCapture"), "SayAndCapture");
  capture.required = ["action"];
  params("SayAndCapture").required = ["promptMessage", "voiceProfile"];

  // Defect: `speed` is typed integer while its own description (and the guides) allow 0.5 to 2.
  for (const title of ["Say", "SayAndCapture"]) {
    asObject(params(title).properties, title).speed = { type: "number", minimum: 0.5, maximum: 2 };
  }

  // Defect: makeCall params allow 2 properties, but the VCA guide documents `callRecording: true` on makeCall.
  const makeCall = params("MakeCall");
  asObject(makeCall.properties, "MakeCall").callRecording = { type: "boolean" };
  makeCall.maxProperties = 3;

  return body;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validateRequest = ajv.compile(sendCallflowSchema());

type Action = { action?: unknown; params?: Record<string, unknown> };

/** 8x8's documented rules that the schema does not carry. */
function ruleProblems(actions: readonly Action[]): string[] {
  const problems: string[] = [];
  if (actions.length === 0) problems.push("callflow is empty");
  let makeCalls = 0;
  actions.forEach((item, i) => {
    const at = `callflow[${i}]`;
    const p = item.params ?? {};
    if (!ACTIONS.includes(item.action as (typeof ACTIONS)[number])) {
      problems.push(`${at}.action should be one of: ${ACTIONS.join(",")} (got ${JSON.stringify(item.action)})`);
      return;
    }
    if (item.action === "say" || item.action === "sayAndCapture") {
      const field = item.action === "say" ? "text" : "promptMessage";
      const text = p[field];
      if (typeof p.voiceProfile !== "string" || p.voiceProfile === "") problems.push(`${at}: voiceProfile required`);
      if (typeof text !== "string" || text.trim() === "") problems.push(`${at}: ${field} required and non-empty`);
      else if (text.length > MAX_TEXT) problems.push(`${at}: ${field} longer than ${MAX_TEXT} characters`);
    }
    if ((item.action === "say" || item.action === "playFile") && p.repetition !== undefined) {
      if (![1, 2, 3].includes(p.repetition as number)) problems.push(`${at}: repetition must be 1, 2 or 3`);
    }
    if (item.action === "playFile" && !/^https?:\/\//.test(String(p.fileUrl))) {
      problems.push(`${at}: fileUrl must be http or https`);
    }
    if (item.action === "sayAndCapture") {
      // 8x8's guide and schema disagree on the defaults: every value must be explicit.
      for (const field of ["minDigits", "maxDigits", "completeOnHash", "digitTimeout", "overallTimeout", "noOfTries"]) {
        if (p[field] === undefined) problems.push(`${at}: ${field} must be explicit`);
      }
      const num = (field: string) => (typeof p[field] === "number" ? (p[field] as number) : Number.NaN);
      const [minDigits, maxDigits] = [num("minDigits"), num("maxDigits")];
      const [digitTimeout, overallTimeout] = [num("digitTimeout"), num("overallTimeout")];
      if (!(Number.isInteger(maxDigits) && maxDigits >= 1 && maxDigits <= 25)) {
        problems.push(`${at}: maxDigits must be 1..25`);
      }
      if (!(minDigits >= 1 && minDigits <= maxDigits)) problems.push(`${at}: minDigits must be 1..maxDigits`);
      if (!(digitTimeout < overallTimeout)) problems.push(`${at}: digitTimeout must be below overallTimeout`);
      if (actions[i + 1]?.action === "hangup")
        problems.push(`${at}: hangup right after sayAndCapture drops the digits`);
    }
    if (item.action === "makeCall") {
      makeCalls++;
      for (const field of ["source", "destination"]) {
        if (!PHONE.test(String(p[field]))) problems.push(`${at}: ${field} must be a phone number (E.164, + optional)`);
      }
    }
  });
  if (makeCalls > 2) problems.push(`at most two makeCall per callflow (got ${makeCalls})`);
  return problems;
}

function schemaProblems(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message ?? "invalid"}`);
}

/** Every reason 8x8 would refuse this callflow; empty when it is valid. */
export function callflowProblems(actions: unknown): string[] {
  if (!Array.isArray(actions)) return ["callflow must be an array"];
  const problems = ruleProblems(actions as Action[]);
  if (!validateRequest({ callflow: actions })) problems.push(...new Set(schemaProblems(validateRequest.errors)));
  return problems;
}

/** Throws, listing every problem, when 8x8 would refuse this callflow. */
export function assertValidCallflow(actions: unknown): void {
  const problems = callflowProblems(actions);
  if (problems.length > 0) {
    throw new Error(`invalid callflow:\n  ${problems.join("\n  ")}\n${JSON.stringify(actions, null, 2)}`);
  }
}
