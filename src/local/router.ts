/**
 * The local server's routes. Each concept mounts its own with one line in server.ts
 * (`mountX(router, stack)`), and answers like API Gateway does where a deployed route exists: 404 for an unknown
 * path, 405 for a known path with another method, 502 when a handler throws.
 *
 *   router.route("GET", "/events", (req, res, url) => sendJson(res, 200, { events }));
 *   router.route("*", "/studio/*", serve);   // a prefix: /studio and everything under it
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CompiledMachine } from "../engine/machine.js";
import type { CompiledFlows } from "../language/build.js";
import type { WebhookDeps } from "../webhooks/http-handlers.js";
import { gatewayError, writeApiGatewayResult } from "./apigw-adapter.js";
import type { LocalDynamo } from "./local-dynamo.js";
import { atRequestTime } from "./request-clock.js";

/** `url` is the request's URL, parsed (path and query). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** What a mounted module may use: the same stores, flows and webhook dependencies the handlers run with. */
export interface LocalStack {
  /** the webhook handlers' dependencies: stores, flow registry, logger, metrics, clock, authentication */
  deps: WebhookDeps;
  dynamo: LocalDynamo;
  flows: LocalFlows;
  /** request bodies over this many bytes are refused with 413 (the webhooks' own limit) */
  maxBodyBytes: number;
  /** a progress line for the terminal running `npm start` */
  print(text: string): void;
  /** the server's base URL as this process reaches it, e.g. http://127.0.0.1:3000 (known once it listens) */
  url(): string;
  /** called by stop(), before DynamoDB Local stops: close streams, timers, child servers */
  onStop(close: () => Promise<void> | void): void;
}

/** The flows being served, kept current by the reloader (src/local/reloader.ts). */
export interface LocalFlows {
  readonly dir: string;
  /** the machines being served right now */
  machines(): CompiledMachine[];
  /** recompile the folder now; resolves with whether the new flows were taken */
  reload(): Promise<boolean>;
  /** told after every compile of a reload (taken or refused); returns an unsubscribe */
  onReload(listener: (reload: Reload) => void): () => void;
}

export interface Reload {
  /** whether the new flows are being served (false: errors, the previous ones still are) */
  taken: boolean;
  compiled: CompiledFlows;
  /** "reloaded x v...", "added y v...", "removed z" (empty when the flows did not change) */
  changes: string[];
}

/** A module's routes: `mountX(router, stack)`, one line in server.ts. */
export type LocalMount = (router: LocalRouter, stack: LocalStack) => void | Promise<void>;

interface Route {
  method: string;
  path: string;
  prefix: boolean;
  handler: RouteHandler;
}

export class LocalRouter {
  private readonly routes: Route[] = [];

  /**
   * `method`: "GET", "POST", ... or "*" for any. `path`: exact ("/events"), or a prefix ending in "/*"
   * ("/studio/*" serves /studio and everything under it). An exact route wins over a prefix, a longer prefix
   * over a shorter one. Mounting the same method and path twice is a mistake, and throws.
   */
  route(method: string, path: string, handler: RouteHandler): this {
    const prefix = path.endsWith("/*");
    const route = { method: method.toUpperCase(), path: prefix ? path.slice(0, -2) : path, prefix, handler };
    if (this.routes.some((r) => r.method === route.method && r.path === route.path && r.prefix === route.prefix)) {
      throw new Error(`local route ${method} ${path} is mounted twice`);
    }
    this.routes.push(route);
    return this;
  }

  /**
   * Answer one request (never throws: a failing handler is a 502, as API Gateway answers a failed Lambda). The
   * handler runs on the request's own clock when it sets one (request-clock.ts: `ivr call --at`, the studio's phone).
   */
  async handle(req: IncomingMessage, res: ServerResponse, onError: (err: unknown) => void): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = req.method ?? "GET";
    const matching = this.routes.filter((r) => matches(r, url.pathname));
    const route = best(matching.filter((r) => r.method === method || r.method === "*"));
    try {
      if (route) return await atRequestTime(req, () => route.handler(req, res, url));
      writeApiGatewayResult(
        res,
        matching.length > 0 ? gatewayError(405, "Method Not Allowed") : gatewayError(404, "Not Found"),
      );
    } catch (err) {
      onError(err);
      if (!res.headersSent) writeApiGatewayResult(res, gatewayError(502, "Internal server error"));
      else res.destroy();
    }
  }
}

function matches(route: Route, path: string): boolean {
  if (!route.prefix) return path === route.path;
  return path === route.path || path.startsWith(route.path.endsWith("/") ? route.path : `${route.path}/`);
}

function best(routes: Route[]): Route | undefined {
  let chosen: Route | undefined;
  for (const route of routes) {
    if (
      !chosen ||
      (chosen.prefix && !route.prefix) ||
      (chosen.prefix === route.prefix && route.path.length > chosen.path.length)
    ) {
      chosen = route;
    }
  }
  return chosen;
}

/** Send `body` as JSON (2-space indented: the local routes are read by people and by `ivr`). */
export function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  writeApiGatewayResult(res, {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body, null, 2),
  });
}
