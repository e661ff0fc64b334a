/**
 * Scenario stubs: services answered in-process, so tests need no network. They plug in as the HTTP transport,
 * so everything else (headers, deadline, size limit, JSON parsing, redirects, routing) runs as it does for real.
 *
 * A stub matches on service and, optionally, method, path and query; the first stub that matches answers (a stub
 * marked `once` answers one request only). A request no stub answers is recorded as unanswered (the scenario
 * fails, naming it) and gets a network error. `delay` waits before answering, within the request's deadline: a
 * delay past it is a timeout. `fault: timeout` reports the deadline as passed at once; `fault: network` is a
 * refused connection.
 */
import type { Transport } from "./http.js";

/** Base URLs stubs give each service: `https://<service>.stub.invalid` (the .invalid TLD never resolves). */
export const STUB_HOST_SUFFIX = ".stub.invalid";

export function stubBaseUrl(service: string): string {
  return `https://${service.toLowerCase()}${STUB_HOST_SUFFIX}`;
}

export interface ServiceStub {
  service: string;
  method?: string;
  /** the path as the flow renders it (percent-encoded) or decoded */
  path?: string;
  /** these query parameters must be present with these values */
  query?: Record<string, string>;
  /** default 200 */
  status?: number;
  /** JSON body */
  body?: unknown;
  /** a body sent as is (not JSON), e.g. an HTML error page */
  text?: string;
  delayMs?: number;
  fault?: "timeout" | "network";
  once?: boolean;
}

export interface StubbedRequest {
  service: string;
  method: string;
  /** as sent (percent-encoded) */
  path: string;
  query: Record<string, string>;
  /** the parsed JSON body, if any */
  body?: unknown;
  idempotencyKey: string | null;
  /** no stub answered it */
  unanswered: boolean;
}

export class StubServices {
  readonly requests: StubbedRequest[] = [];
  private readonly used = new Set<ServiceStub>();

  constructor(private readonly stubs: readonly ServiceStub[]) {}

  /** Requests made since `from` (an index into `requests`). */
  since(from: number): StubbedRequest[] {
    return this.requests.slice(from);
  }

  readonly transport: Transport = async (url, init) => {
    const service = url.hostname.endsWith(STUB_HOST_SUFFIX) ? url.hostname.slice(0, -STUB_HOST_SUFFIX.length) : "";
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    const request: StubbedRequest = {
      service: this.stubs.find((s) => s.service.toLowerCase() === service)?.service ?? service,
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(typeof init.body === "string" && { body: safeJson(init.body) }),
      idempotencyKey: headers.get("idempotency-key"),
      unanswered: false,
    };
    this.requests.push(request);
    const stub = this.stubs.find((s) => !(s.once && this.used.has(s)) && matches(s, request));
    if (!stub) {
      request.unanswered = true;
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    }
    this.used.add(stub);
    if (stub.delayMs) await sleep(stub.delayMs, init.signal ?? undefined);
    if (stub.fault === "timeout") throw new DOMException("the stubbed service did not answer in time", "TimeoutError");
    if (stub.fault === "network") throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    const status = stub.status ?? 200;
    const nullBody = status === 204 || status === 205 || status === 304;
    const text = stub.text ?? (stub.body === undefined ? "" : JSON.stringify(stub.body));
    return new Response(nullBody ? null : text, {
      status,
      headers: stub.text === undefined && stub.body !== undefined ? { "content-type": "application/json" } : {},
    });
  };
}

/** `bank POST /cards/4111/verify?lang=en`: how a request is named in messages. */
export function describeRequest(r: Pick<StubbedRequest, "service" | "method" | "path" | "query">): string {
  const query = new URLSearchParams(r.query).toString();
  return `${r.service} ${r.method} ${r.path}${query ? `?${query}` : ""}`;
}

function matches(stub: ServiceStub, request: StubbedRequest): boolean {
  if (stub.service.toLowerCase() !== request.service.toLowerCase()) return false;
  if (stub.method !== undefined && stub.method.toUpperCase() !== request.method) return false;
  if (stub.path !== undefined && !pathMatches(stub.path, request.path)) return false;
  for (const [name, value] of Object.entries(stub.query ?? {})) if (request.query[name] !== value) return false;
  return true;
}

/** A path as written in a scenario matches the path sent, percent-encoded or decoded. */
export function pathMatches(want: string, path: string): boolean {
  return want === path || want === safeDecode(path);
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
