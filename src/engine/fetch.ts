/**
 * The `fetch` state, pure: render the request a fetch describes, and route its outcome. The engine never performs
 * the request (src/webhooks does, through src/integration); it is resumed with what came back.
 */
import type { BodyTemplate, FetchState, Template } from "./machine.js";
import type { FetchOutcome, FetchRequest } from "./session.js";
import { renderTemplate, spellDigits } from "./templates.js";

type Vars = Readonly<Record<string, string>>;

/** The built-in variable holding the last fetch's HTTP status as text ("" after a timeout or network error). */
export const FETCH_STATUS = "fetchStatus";

export function renderRequest(
  id: string,
  state: FetchState,
  vars: Vars,
  ids: { sessionId: string; turn: number },
): FetchRequest {
  const request: FetchRequest = {
    state: id,
    service: state.service,
    method: state.method,
    path: renderPath(state.path, vars),
    pathTemplate: templateText(state.path),
    query: Object.entries(state.query).map(([name, value]) => [name, renderTemplate(value, vars)]),
    timeoutMs: state.timeoutMs,
    turn: ids.turn,
    idempotencyKey: `${ids.sessionId}:${ids.turn}:${id}`,
    wantsBody: Object.keys(state.into).length > 0,
  };
  if (state.body) request.body = renderObject(state.body, vars);
  return request;
}

/** Literal text as written, each variable's value percent-encoded: a value can never add a path segment, a query
 * or a fragment, let alone change the host. */
function renderPath(template: Template, vars: Vars): string {
  let path = "";
  for (const part of template) {
    if (typeof part === "string") path += part;
    else {
      const value = vars[part.var] ?? "";
      path += encodeURIComponent(part.digits ? spellDigits(value) : value);
    }
  }
  return path;
}

/** "/cards/{{card}}/verify": the path as written, safe to log (no values). */
export function templateText(template: Template): string {
  return template.map((part) => (typeof part === "string" ? part : `{{${part.var}}}`)).join("");
}

function renderObject(body: Record<string, BodyTemplate>, vars: Vars): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[key] = renderBody(value, vars);
  return out;
}

function renderBody(body: BodyTemplate, vars: Vars): unknown {
  if ("text" in body) return renderTemplate(body.text, vars);
  if ("value" in body) return body.value;
  if ("list" in body) return body.list.map((item) => renderBody(item, vars));
  return renderObject(body.object, vars);
}

/** Where a fetch goes next: a state and the edge label, or `onError` (the caller resolves its target). */
export type FetchRoute = { to: string; on: string } | { onError: true };

/**
 * Status routing: an exact code beats a class ("404" before "4xx"); any other 2xx follows `next`; everything
 * else (and every failure) is an error. A 2xx that is not JSON when `into` needs it is an error too, unless its
 * exact code is routed.
 */
export function routeOutcome(state: FetchState, outcome: FetchOutcome): FetchRoute {
  if ("error" in outcome) return { onError: true };
  const { status } = outcome;
  const exact = routeFor(state, String(status));
  if (exact) return exact;
  const ok = status >= 200 && status <= 299;
  // `into` needs a JSON body; an exact code route (a 204, say) is taken without one, its `into` values "".
  if (ok && Object.keys(state.into).length > 0 && outcome.body === undefined) return { onError: true };
  const route = routeFor(state, `${Math.floor(status / 100)}xx`);
  if (route) return route;
  return ok ? { to: state.next, on: "next" } : { onError: true };
}

function routeFor(state: FetchState, key: string): { to: string; on: string } | undefined {
  if (Object.hasOwn(state.on, key)) return { to: state.on[key] as string, on: `on:${key}` };
  // a class may have been written in capitals ("4XX")
  const upper = key.toUpperCase();
  if (upper !== key && Object.hasOwn(state.on, upper)) return { to: state.on[upper] as string, on: `on:${upper}` };
  return undefined;
}

/** `fetchStatus` after an outcome: the status as text, "" when none was received. */
export function statusText(outcome: FetchOutcome): string {
  return outcome.status === undefined ? "" : String(outcome.status);
}

/**
 * The `into` variables from a response body: strings as they are, numbers and booleans as JSON prints them,
 * objects and arrays as compact JSON; a path that is absent or null gives "".
 */
export function extractInto(state: FetchState, body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(state.into)) out[name] = textOf(valueAt(body, path));
  return out;
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let value = body;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    if (Array.isArray(value)) {
      const index = typeof key === "number" ? key : /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : -1;
      value = index >= 0 && index < value.length ? value[index] : undefined;
    } else {
      const name = String(key);
      value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
    }
  }
  return value;
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  return JSON.stringify(value);
}
