/**
 * The flow studio's routes, mounted on the local server's router (`npm start`: `studio.mount(router)`): the page at
 * `/`, its assets and its JSON and event-stream API under `/studio/`. Self-contained: it takes what it needs from
 * the server as parameters (the flows folder, the machines being served, the server's URL and DynamoDB, its
 * reloads) and answers the requests it owns.
 * The API is documented in docs/studio.md; its types are in protocol.ts.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { CompiledMachine } from "../engine/machine.js";
import type { CompiledFlows } from "../language/build.js";
import { BodyTooLargeError, gatewayError, readBody, writeApiGatewayResult } from "../local/apigw-adapter.js";
import type { LocalFlows, LocalRouter } from "../local/router.js";
import type { FlowVersionStore, SessionStore, SummaryIndex, SummaryStore } from "../store/ports.js";
import type { FetchEvent } from "../webhooks/fetch-effects.js";
import { ensureStudioBundle, STUDIO_BUNDLE_DIR, STUDIO_FILES } from "./build.js";
import { CallDesk, CallDeskError } from "./calls.js";
import { FlowCatalog, hoursTimezone } from "./catalog.js";
import { CoverageError, runFlowScenarios } from "./coverage.js";
import { EventStream } from "./events.js";
import type { FlowList, PlaceCallRequest } from "./protocol.js";
import { ServiceRequestLog } from "./requests.js";
import { flowTraffic, TrafficError } from "./traffic.js";

export interface StudioOptions {
  flowsDir: string;
  /** the machines the local stack answers calls with */
  machines: () => readonly CompiledMachine[];
  /** the local server's base URL: the phone posts 8x8's events to its webhooks */
  url: () => string;
  dynamo: {
    endpoint: string;
    sessions: SessionStore;
    summaries: SummaryStore & SummaryIndex;
    flowVersions: Pick<FlowVersionStore, "get">;
  };
  /** headers 8x8 would send with each webhook (the local stack's: its WEBHOOK_SECRET, when set) */
  webhookHeaders: () => Record<string, string>;
  /** the flows folder as the stack compiled it at start (under flowsDirName) */
  initial: CompiledFlows;
  /**
   * The stack's flow reloads (taken or refused): the studio shows what each compiled, with what the stack serves
   * after it, and pushes it to open pages. One compile per save, the stack's.
   */
  onReload: LocalFlows["onReload"];
  /** where the studio reports a problem of its own (default: stderr) */
  print?: (text: string) => void;
}

export interface Studio {
  /** the fetch observer (VcaDeps.onFetch) whose reports the phone's transcript shows */
  observeFetch(event: FetchEvent): void;
  /** Answers the request if it is the studio's (true), else leaves it alone (false). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Mounts `handle` on the local server's router: the page at `/`, and `/studio/*` (assets and API). */
  mount(router: LocalRouter): void;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 16 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

export async function createStudio(options: StudioOptions): Promise<Studio> {
  // The page is optional to the stack: when it cannot be built, the webhooks still run and `/` says why.
  let bundleError: string | undefined;
  try {
    await ensureStudioBundle();
  } catch (err) {
    bundleError = err instanceof Error ? err.message : String(err);
    (options.print ?? ((text: string) => process.stderr.write(`${text}\n`)))(
      `studio: the page could not be built (${bundleError}); run \`npm run build\` to see why`,
    );
  }
  const catalog = new FlowCatalog(options.flowsDir, options.machines, options.initial);
  const events = new EventStream();
  const { webhookHeaders } = options;
  const requests = new ServiceRequestLog();
  const desk = new CallDesk({
    baseUrl: options.url,
    webhookHeaders,
    machines: options.machines,
    sessions: options.dynamo.sessions,
    summaries: options.dynamo.summaries,
    hoursTimezone: (flow) => {
      const machine = options.machines().find((m) => m.flow === flow);
      return machine ? hoursTimezone(machine) : null;
    },
    requestsOf: requests.of,
  });
  /** calls placed by coverage runs: stored like any other call, but not traffic */
  const scenarioCalls = new Set<string>();
  const flowList = (): FlowList => ({ flows: catalog.list(), revision: catalog.revision });
  const announce = () => events.send("flows", flowList());
  const unsubscribe = options.onReload((reload) => {
    if (catalog.refresh(reload.compiled)) announce();
  });

  // Read per request: small files, and a rebuilt bundle is served without a restart.
  const asset = (name: string) => ({
    type: CONTENT_TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream",
    body: readFileSync(join(STUDIO_BUNDLE_DIR, name)),
  });

  const api = async (method: string, parts: string[], url: URL, req: IncomingMessage, res: ServerResponse) => {
    const [resource, id, action, more] = parts;
    if (resource === "events" && parts.length === 1 && method === "GET") {
      events.open(req, res, { event: "hello", data: flowList() });
      return;
    }
    if (resource === "flows" && method === "GET" && parts.length === 1) return json(res, 200, flowList());
    if (resource === "flows" && id && more === undefined) {
      if (action === undefined && method === "GET") {
        const detail = catalog.detail(id);
        return detail ? json(res, 200, detail) : json(res, 404, { error: `no flow '${id}'` });
      }
      if (action === "coverage" && method === "POST") {
        return json(res, 200, await runFlowScenarios(catalog, id, options.dynamo.endpoint, scenarioCalls));
      }
      if (action === "traffic" && method === "GET") {
        const sources = { index: options.dynamo.summaries, machines: options.dynamo.flowVersions };
        const since = url.searchParams.get("since") ?? undefined;
        return json(res, 200, await flowTraffic(sources, id, { ...(since && { since }), leaveOut: scenarioCalls }));
      }
    }
    if (resource === "calls") {
      if (id === undefined && method === "POST") {
        const body = await jsonBody(req);
        if (typeof body.flow !== "string") return json(res, 400, { error: "'flow' must be a flow id" });
        for (const field of ["caller", "at"] as const) {
          if (body[field] !== undefined && typeof body[field] !== "string") {
            return json(res, 400, { error: `'${field}' must be a string` });
          }
        }
        const inputs = body.inputs;
        if (
          inputs !== undefined &&
          (!inputs || typeof inputs !== "object" || Object.values(inputs).some((v) => typeof v !== "string"))
        ) {
          return json(res, 400, { error: "'inputs' must be an object of strings" });
        }
        return json(res, 201, await desk.place(body as unknown as PlaceCallRequest));
      }
      if (id !== undefined && action === undefined && more === undefined && method === "GET") {
        return json(res, 200, desk.get(id));
      }
      if (id !== undefined && more === undefined && method === "POST") {
        if (action === "keys") {
          const body = await jsonBody(req);
          return json(res, 200, await desk.press(id, typeof body.keys === "string" ? body.keys : ""));
        }
        if (action === "silence") return json(res, 200, await desk.silence(id));
        if (action === "hangup") return json(res, 200, await desk.hangup(id));
      }
    }
    return json(res, 404, { error: `no route ${method} /studio/api/${parts.join("/")}` });
  };

  const studio: Studio = {
    async handle(req, res) {
      const url = new URL(req.url ?? "/", "http://localhost");
      const path = url.pathname;
      const method = req.method ?? "GET";
      if (path === "/" || path === "/studio" || path === "/studio/") {
        if (bundleError) unavailable(res, bundleError);
        else if (method === "GET" || method === "HEAD") send(res, asset("index.html"));
        else json(res, 405, { error: "Method Not Allowed" });
        return true;
      }
      if (!path.startsWith("/studio/")) return false;
      const name = path.slice("/studio/".length);
      if ((STUDIO_FILES as readonly string[]).includes(name) && method === "GET") {
        send(res, asset(name));
        return true;
      }
      if (!name.startsWith("api/")) {
        json(res, 404, { error: "Not Found" });
        return true;
      }
      // Writes need a JSON body: a cross-site form cannot send one without the browser asking first (and we
      // never allow it), so another web page cannot place calls through the studio.
      if (method === "POST" && !/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
        json(res, 415, { error: "send JSON (content-type: application/json)" });
        return true;
      }
      const parts = name.slice(4).split("/").filter(Boolean).map(decodeURIComponent);
      try {
        await api(method, parts, url, req, res);
      } catch (err) {
        if (err instanceof CallDeskError || err instanceof CoverageError) json(res, err.status, { error: err.message });
        else if (err instanceof TrafficError) json(res, 400, { error: err.message });
        else if (err instanceof BodyTooLargeError)
          json(res, 413, { error: `body is larger than ${MAX_REQUEST_BYTES} bytes` });
        else if (err instanceof SyntaxError) json(res, 400, { error: `expected a JSON body: ${err.message}` });
        else throw err;
      }
      return true;
    },
    mount(router) {
      const serve = async (req: IncomingMessage, res: ServerResponse) => {
        if (!(await studio.handle(req, res))) writeApiGatewayResult(res, gatewayError(404, "Not Found"));
      };
      router.route("*", "/", serve);
      router.route("*", "/studio/*", serve);
    },
    observeFetch: requests.record,
    async close() {
      unsubscribe();
      events.close();
    },
  };
  return studio;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readBody(req, MAX_REQUEST_BYTES));
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new SyntaxError("not a JSON object");
  return parsed as Record<string, unknown>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

function unavailable(res: ServerResponse, reason: string): void {
  res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
  res.end(
    `The studio's page could not be built: ${reason}\nRun \`npm run build\` to see why, then restart \`npm start\`.\n`,
  );
}

function send(res: ServerResponse, file: { type: string; body: Buffer }): void {
  res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" });
  res.end(file.body);
}
