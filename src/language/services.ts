/**
 * Rules for the flow's conversations with the business's systems: `services` (literal https URLs, headers of
 * literal text and secrets, short timeouts), `secrets` (declared, used, only in headers) and `fetch` states (a
 * declared service, no body on GET, dotted `into` paths, `sensitive` from `into`, status routes).
 */
import { isLoopbackHost } from "../integration/services.js";
import type { Reporter } from "./diagnostics.js";
import { asObject, type FlowView, type Obj, type StateView } from "./model.js";
import type { JsonPath } from "./positions.js";
import { Suggestions } from "./suggest.js";
import { parseTemplate } from "./templates.js";
import { checkAssignable } from "./variables.js";

/** Seconds a request may take, by default and at most: the caller hears nothing meanwhile. */
export const DEFAULT_FETCH_TIMEOUT = 2;
export const MAX_FETCH_TIMEOUT = 5;

/** `on` keys: an exact status (100-599) or a class (1xx-5xx). */
const ROUTE = /^[1-5]([0-9][0-9]|xx)$/;

/** Headers the engine sets itself, or that would let a flow reach another host or break the framing. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "idempotency-key",
  "user-agent",
]);

/** A fetch's timeout in milliseconds: its own, else its service's, else the default. A value out of range (its
 * own diagnostic) counts as 0, so it is not reported a second time by the budget. */
export function fetchTimeoutMs(fetch: Obj | undefined, services: Obj | undefined): number {
  const service = asObject(services?.[String(fetch?.service)]);
  const seconds = fetch?.timeout !== undefined ? fetch.timeout : (service?.timeout ?? DEFAULT_FETCH_TIMEOUT);
  return isFetchTimeout(seconds) ? Math.round(seconds * 1000) : 0;
}

function isFetchTimeout(value: unknown): value is number {
  return typeof value === "number" && value > 0 && value <= MAX_FETCH_TIMEOUT;
}

export function checkServices(flow: FlowView, report: Reporter): void {
  const declared = Array.isArray(flow.raw.secrets) ? flow.raw.secrets.filter((s) => typeof s === "string") : [];
  const secretNames = new Suggestions(declared);
  const used = new Set<string>();
  for (const [name, value] of Object.entries(asObject(flow.raw.services) ?? {})) {
    const service = asObject(value);
    if (!service) continue;
    const at = (...rest: string[]): JsonPath => ["services", name, ...rest];
    if (typeof service.url === "string") checkUrl(name, service.url, at("url"), report);
    for (const [header, text] of Object.entries(asObject(service.headers) ?? {})) {
      if (typeof text !== "string") continue;
      if (RESERVED_HEADERS.has(header.toLowerCase())) {
        report("reserved-header", at("headers", header), `the header '${header}' is set by callflow, not by a flow`, {
          which: "key",
          hint:
            header.toLowerCase() === "host"
              ? "the host comes from the service's url, so that no flow reaches a host it does not declare"
              : "callflow sets it on every request",
        });
      }
      const parsed = parseTemplate(text);
      for (const problem of parsed.problems) {
        report("invalid-template", at("headers", header), problem.message, {
          within: problem.raw,
          ...(problem.hint ? { hint: problem.hint } : {}),
        });
      }
      for (const variable of parsed.variables) {
        report(
          "header-variable",
          at("headers", header),
          `${variable.raw} in a header: headers are literal text and secrets only`,
          {
            within: variable.raw,
            hint: "send per-call values in the fetch's path, query or body",
          },
        );
      }
      for (const secret of parsed.secrets) {
        used.add(secret.name);
        if (declared.includes(secret.name)) continue;
        report("unknown-secret", at("headers", header), `secret '${secret.name}' is not declared`, {
          within: secret.raw,
          hint:
            secretNames.hint(secret.name) ??
            `declare it beside services: secrets: [${[...declared, secret.name].join(", ")}]`,
        });
      }
    }
    checkTimeout(service.timeout, at("timeout"), report);
  }
  if (!Array.isArray(flow.raw.secrets)) return;
  flow.raw.secrets.forEach((name, i) => {
    if (typeof name !== "string" || used.has(name)) return;
    report("unused-secret", ["secrets", i], `secret '${name}' is declared but no service's headers use it`, {
      severity: "warning",
      hint: `use it in a header, e.g. Authorization: "Bearer {{secrets.${name}}}", or remove it`,
    });
  });
}

function checkUrl(service: string, url: string, path: JsonPath, report: Reporter): void {
  if (url.includes("{{")) {
    report("templated-url", path, "a service url is literal text: no {{...}} in it", {
      hint:
        "put per-call parts in the fetch's path or query; to point the service elsewhere without editing the " +
        `flow, set CALLFLOW_SERVICE_URL_${service}`,
    });
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    report("invalid-url", path, `'${url}' is not an absolute URL`, {
      hint: "write it with its scheme and host, e.g. https://api.example.com/v1",
    });
    return;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    report("invalid-url", path, `a service url uses https, not '${parsed.protocol.slice(0, -1)}'`);
  } else if (parsed.username !== "" || parsed.password !== "") {
    report("invalid-url", path, "a service url must not carry credentials", {
      hint: 'put them in a header with a secret: Authorization: "Bearer {{secrets.NAME}}"',
    });
  } else if (parsed.search !== "" || parsed.hash !== "") {
    report("invalid-url", path, "a service url has no query or fragment", {
      hint: "put query parameters in the fetch's query, and a key in a header with a secret",
    });
  } else if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    report(
      "insecure-url",
      path,
      `'${url}' is not https: only a loopback host (localhost, 127.0.0.0/8, [::1]) may use http`,
      {
        hint: `use https://; to reach a service on this machine while testing, set CALLFLOW_SERVICE_URL_${service}`,
      },
    );
  }
}

function checkTimeout(value: unknown, path: JsonPath, report: Reporter): void {
  if (typeof value !== "number" || isFetchTimeout(value)) return;
  report(
    "fetch-timeout",
    path,
    value <= 0
      ? `timeout is ${value} s; a request needs more than 0 s`
      : `timeout is ${value} s; a request may take at most ${MAX_FETCH_TIMEOUT} s`,
    {
      hint: `the caller hears nothing while a request runs (default ${DEFAULT_FETCH_TIMEOUT} s); for a slow service, give the fetch a hold message (say:)`,
    },
  );
}

export function checkFetch(flow: FlowView, state: StateView, body: Obj, report: Reporter): void {
  const at = (...rest: (string | number)[]): JsonPath => [...state.path, "fetch", ...rest];
  const services = asObject(flow.raw.services) ?? {};
  if (typeof body.service === "string" && !Object.hasOwn(services, body.service)) {
    const names = Object.keys(services);
    report("unknown-service", at("service"), `service '${body.service}' is not declared`, {
      hint:
        new Suggestions(names).hint(body.service) ??
        (names.length > 0
          ? `services: ${names.join(", ")}`
          : `declare it: services: { ${body.service}: { url: "https://..." } }`),
    });
  }
  if ((body.method ?? "GET") === "GET" && body.body !== undefined) {
    report("body-on-get", at("body"), "a GET request has no body", {
      which: "key",
      hint: "use method: POST (or PUT, PATCH), or send the values in query",
    });
  }
  checkTimeout(body.timeout, at("timeout"), report);
  checkHold(body.say, at("say"), report);
  const into = asObject(body.into) ?? {};
  for (const [name, path] of Object.entries(into)) {
    checkAssignable(flow, name, at("into", name), "key", report);
    if (typeof path !== "string") continue;
    if (!isDottedPath(path)) {
      report("invalid-into-path", at("into", name), `'${path}' is not a dotted path`, { hint: dottedPathHint(path) });
    }
  }
  if (Array.isArray(body.sensitive)) {
    const names = Object.keys(into);
    body.sensitive.forEach((name, i) => {
      if (typeof name !== "string" || Object.hasOwn(into, name)) return;
      report("sensitive-not-into", at("sensitive", i), `'${name}' is not one of this fetch's into variables`, {
        hint:
          new Suggestions(names).hint(name) ??
          (names.length > 0
            ? `sensitive masks what this fetch reads into: ${names.join(", ")}`
            : "sensitive masks what this fetch reads with into:, and it reads nothing"),
      });
    });
  }
  for (const route of Object.keys(asObject(body.on) ?? {})) {
    if (ROUTE.test(route)) continue;
    report("invalid-route", at("on", route), `'${route}' is not a status or a class of statuses`, {
      which: "key",
      hint: 'route an exact status from 100 to 599 ("404") or a class from "1xx" to "5xx"',
    });
  }
}

/** Whether `path` is a dotted path into the JSON response: keys and array indexes joined by dots. */
export function isDottedPath(path: string): boolean {
  return !path.startsWith("$") && !/[[\]]/.test(path) && !path.split(".").includes("");
}

function dottedPathHint(path: string): string {
  const rewritten = path
    .replace(/^\$\.?/, "")
    .replace(/\[["']?([^\]"']*)["']?\]/g, ".$1")
    .replace(/^\./, "");
  const how = "keys and array indexes joined by dots, from the top of the response";
  return rewritten !== "" && isDottedPath(rewritten)
    ? `write it as ${rewritten} (${how})`
    : `${how}: balance, holder.firstName, items.0.id`;
}

/** 8x8 tells the engine that a message has been heard only for a sayAndCapture, which speaks text. */
function checkHold(say: unknown, path: JsonPath, report: Reporter): void {
  const items = Array.isArray(say) ? say : [say];
  items.forEach((item, i) => {
    if (!asObject(item) || !("play" in asObject(item)!)) return;
    report("audio-prompt", Array.isArray(say) ? [...path, i] : path, "a fetch's hold message must be text, not audio", {
      hint:
        "the request waits until 8x8 reports the hold message heard, which it does only for a text-to-speech " +
        "sayAndCapture: play the audio in a `play` state before the fetch and keep a short text hold message",
    });
  });
}
