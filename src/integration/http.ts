/**
 * One HTTP request to a business service, on Node's own `fetch`, that always comes back within its deadline with
 * an outcome the engine can route: a status and the parsed JSON body, or a failure kind.
 *
 * - The deadline covers everything: connecting, the headers, following redirects and reading the body.
 * - The body is read only when the flow needs it (`into`), as a stream, and given up on at the size limit.
 * - Redirects are never followed to another origin. A GET may follow a couple of same-origin hops; any other
 *   method never follows one (the first request may have had its effect). A redirect not followed is simply the
 *   response: routed by its status like any other.
 */
import type { FetchErrorKind, FetchOutcome } from "../engine/session.js";

/** The fetch function (Node's global one; scenario stubs pass their own). */
export type Transport = (url: URL, init: RequestInit) => Promise<Response>;

/** Largest response body read: a customer record is a few KB, and nothing bigger belongs in a call. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
/** Same-origin redirects a GET may follow. */
export const MAX_REDIRECTS = 2;

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** JSON text */
  body?: string;
  timeoutMs: number;
  wantsBody: boolean;
}

export interface HttpResult {
  outcome: FetchOutcome;
  /** for logs: the error's code when the network failed (ECONNREFUSED, ENOTFOUND...), never its message */
  cause?: string;
  /** a redirect was not followed (another origin, a method other than GET, or too many hops) */
  redirectRefused?: boolean;
}

export async function sendRequest(
  transport: Transport,
  request: HttpRequest,
  maxBytes = MAX_RESPONSE_BYTES,
): Promise<HttpResult> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  let url = request.url;
  let response: Response | undefined;
  try {
    for (let hop = 0; ; hop++) {
      response = await transport(url, {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined && { body: request.body }),
        redirect: "manual",
        signal,
      });
      const next = redirectTarget(response, url);
      if (!next) break;
      if (request.method !== "GET" || next.origin !== url.origin || hop >= MAX_REDIRECTS) {
        await discard(response);
        return { outcome: { status: response.status }, redirectRefused: true };
      }
      await discard(response);
      url = next;
    }
    const { status } = response;
    if (!request.wantsBody) {
      await discard(response);
      return { outcome: { status } };
    }
    const bytes = await readLimited(response, maxBytes);
    if (bytes === undefined) return { outcome: { error: "too-large", status } };
    return { outcome: { status, body: parseJson(bytes) } };
  } catch (err) {
    if (response) await discard(response);
    return failure(err, signal);
  }
}

function redirectTarget(response: Response, from: URL): URL | undefined {
  if (![301, 302, 303, 307, 308].includes(response.status)) return undefined;
  const location = response.headers.get("location");
  if (!location) return undefined;
  try {
    return new URL(location, from);
  } catch {
    return undefined;
  }
}

/** The body up to `limit` bytes; undefined (and the stream cancelled) when it is larger. */
async function readLimited(response: Response, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await discard(response);
    return undefined;
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return all;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The JSON value, or undefined for anything that is not JSON (empty, HTML, invalid UTF-8). */
function parseJson(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    return undefined;
  }
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

function failure(err: unknown, signal: AbortSignal): HttpResult {
  const name = err instanceof Error || err instanceof DOMException ? err.name : "";
  if (signal.aborted || name === "TimeoutError" || name === "AbortError") return { outcome: { error: "timeout" } };
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const kind: FetchErrorKind = "network";
  return { outcome: { error: kind }, ...(typeof cause === "string" && { cause }) };
}
