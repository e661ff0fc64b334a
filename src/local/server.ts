/**
 * The whole stack on one machine: the same VCA/VSS handler factories the Lambdas export, behind a Node http server
 * that speaks API Gateway's proxy format, on DynamoDB Local, with flows compiled from flows/ and hot-reloaded.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import type { CompiledMachine } from "../engine/machine.js";
import { createFetchPerformer } from "../integration/performer.js";
import { envSecrets } from "../integration/secrets.js";
import { type CompiledFlows, compileFlowsDir } from "../language/build.js";
import { errorFields } from "../observability/logger.js";
import { campaignCallRecorder } from "../outbound/attempts.js";
import { checkInputs } from "../outbound/inputs.js";
import { createStudio, type Studio } from "../studio/index.js";
import { authenticatorFromEnv } from "../webhooks/auth.js";
import { FallbackMarkers } from "../webhooks/fallback-markers.js";
import { describeFetch, type FetchEvent, type FetchObserver } from "../webhooks/fetch-effects.js";
import { FlowRegistry } from "../webhooks/flow-registry.js";
import { bodyTooLarge, createVcaHandler, createVssHandler, MAX_WEBHOOK_BODY_BYTES } from "../webhooks/http-handlers.js";
import { prepareOutboundSession } from "../webhooks/vca-service.js";
import { localAnalytics } from "./analytics-routes.js";
import {
  BodyTooLargeError,
  closeConnection,
  gatewayError,
  readBody,
  toApiGatewayEvent,
  writeApiGatewayResult,
} from "./apigw-adapter.js";
import { watchFlowsDir } from "./flow-source.js";
import { storeHealth } from "./health.js";
import { close, listen } from "./listen.js";
import { type LocalDynamo, openLocalDynamo } from "./local-dynamo.js";
import { createLocalObservability } from "./observability.js";
import { createLocalOutbound, type LocalOutbound, type LocalOutboundSettings } from "./outbound.js";
import { atRequestTime, requestClock } from "./request-clock.js";
import { holdStatesOf, PLACEHOLDER_NUMBER } from "./simulated-8x8.js";

export interface LocalServerOptions {
  /** 0 = any free port */
  port?: number;
  /** default 127.0.0.1: the local stack has no business being reachable from the network */
  host?: string;
  /** when `port` is taken, listen on a free one instead of failing */
  fallbackToFreePort?: boolean;
  flowsDir?: string;
  /** DynamoDB endpoint to use; default DYNAMODB_ENDPOINT, else DynamoDB Local is started (and stopped by stop()) */
  dynamodbEndpoint?: string;
  /** watch flowsDir and reload on change (default true) */
  watch?: boolean;
  reloadDebounceMs?: number;
  /** bodies over this many bytes get 413 (default: the webhooks' limit, MAX_WEBHOOK_BODY_BYTES) */
  maxBodyBytes?: number;
  /** the handlers' clock (default the real one) */
  now?: () => Date;
  /** human-readable progress lines: reloads, checker errors (default: stderr) */
  print?: (text: string) => void;
  /** told of every request a flow makes (default: a line through `print`) */
  onFetch?: FetchObserver;
  /** outbound campaigns: the dispatcher and the simulated 8x8 (src/local/outbound.ts) */
  outbound?: LocalOutboundSettings;
}

export interface LocalServer {
  url: string;
  port: number;
  dynamodbEndpoint: string;
  /** the DynamoDB Local JVM we started (a new one after a restart); undefined when DYNAMODB_ENDPOINT is used */
  dynamodbPid(): number | undefined;
  /** the machines being served right now */
  machines(): CompiledMachine[];
  /** recompile flowsDir now (what the watcher does); resolves with whether the new flows were taken */
  reload(): Promise<boolean>;
  /** campaigns: the simulated 8x8 and the dispatcher */
  outbound: LocalOutbound;
  stop(): Promise<void>;
}

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const flowsDir = resolve(options.flowsDir ?? "flows");
  const print = options.print ?? ((text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`));
  const maxBodyBytes = options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES;

  // Compile before starting anything slow: a flows/ path typo should fail in milliseconds, not after the JVM.
  const initial = compileFlowsDir(flowsDir);
  if (initial.report) print(initial.report);
  if (initial.errorCount > 0) {
    print(
      `${initial.errorCount} error(s) in ${flowsDir}: serving the ${initial.machines.length} flow(s) that compiled`,
    );
  }

  // Set once the flows are stored; a DynamoDB Local that dies and is started again gets them back (in memory).
  let restored: (reason: string) => Promise<void> = async () => {};
  const dynamo = await openLocalDynamo({
    ...(options.dynamodbEndpoint !== undefined && { endpoint: options.dynamodbEndpoint }),
    restart: {
      restarted: (reason) => restored(reason),
      failed: (err) => print(`DynamoDB Local died and could not be started again (retrying): ${String(err)}`),
    },
  });
  if (dynamo.exposure) print(`warning: ${dynamo.exposure}`);
  let server: Server | undefined;
  let watcher: { close(): void } | undefined;
  let studio: Studio | undefined;
  try {
    await storeVersions(dynamo, initial.machines);
    restored = async (reason) => {
      await storeVersions(dynamo, current);
      print(
        `DynamoDB Local died (${reason}); restarted on ${dynamo.endpoint}: tables recreated, ` +
          `${current.length} flow version(s) stored again (sessions of calls in progress were lost)`,
      );
    };
    const registry = new FlowRegistry(initial.machines, dynamo.flowVersions);
    let current = initial.machines;

    const { logger, metrics } = createLocalObservability();
    // Same switch as the Lambdas: WEBHOOK_SECRET set = the auth header is checked (ivr call sends it too); unset =
    // authentication is off, which the authenticator says once.
    const auth = authenticatorFromEnv(
      { WEBHOOK_SECRET: process.env.WEBHOOK_SECRET, WEBHOOK_AUTH_HEADER: process.env.WEBHOOK_AUTH_HEADER },
      logger,
    );
    const markers = new FallbackMarkers(dynamo.sessions, logger);
    const analytics = localAnalytics({ print, ...(options.now && { now: options.now }) });
    const deps = {
      auth,
      markers,
      events: analytics.events,
      sessions: dynamo.sessions,
      summaries: dynamo.summaries,
      flows: registry,
      logger,
      metrics,
      now: requestClock(options.now ?? (() => new Date())),
      maxBodyBytes,
      // Flows' services for real: CALLFLOW_SERVICE_URL_<service> (npm start points them at the example back
      // end) or the flow's URL; secrets from CALLFLOW_SECRET_<name>.
      fetcher: createFetchPerformer({ secrets: envSecrets(), logger, metrics }),
      onFetch: (event: FetchEvent) => {
        (options.onFetch ?? ((e: FetchEvent) => print(describeFetch(e))))(event);
        studio?.observeFetch(event);
      },
      campaigns: campaignCallRecorder(dynamo.campaigns),
    };
    let baseUrl = "";
    const outbound = createLocalOutbound({
      dynamo,
      flows: registry,
      url: () => baseUrl,
      logger,
      metrics,
      now: deps.now,
      print,
      webhookHeaders: webhookHeaders(),
      authorised: (headers) => auth.isAuthorised(headers),
      ...(options.outbound && { settings: options.outbound }),
    });
    const routes: Record<string, Handler> = {
      "POST /vca": createVcaHandler(deps),
      "POST /vss": createVssHandler(deps),
    };

    // Reloads run one at a time; a change during a reload triggers one more afterwards.
    let reloading: Promise<boolean> | undefined;
    let again = false;
    const reloadOnce = async (): Promise<boolean> => {
      let next: CompiledFlows;
      try {
        next = compileFlowsDir(flowsDir);
      } catch (err) {
        print(`reload failed: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      }
      if (next.report) print(next.report);
      if (next.errorCount > 0) {
        print(`${next.errorCount} error(s): still serving the previous flows (${describe(current)})`);
        return false;
      }
      await storeVersions(dynamo, next.machines);
      const changes = diff(current, next.machines);
      registry.replace(next.machines);
      current = next.machines;
      print(changes.length > 0 ? changes.join("\n") : "flows unchanged");
      return true;
    };
    const reload = (): Promise<boolean> => {
      if (reloading) {
        again = true;
        return reloading;
      }
      reloading = (async () => {
        try {
          let taken = await reloadOnce();
          while (again) {
            again = false;
            taken = await reloadOnce();
          }
          return taken;
        } finally {
          reloading = undefined;
        }
      })();
      return reloading;
    };

    // The handlers' own 413, sent before they run: the rest of an oversized body is never read, so the
    // connection is closed after the answer (a huge POST costs at most `maxBodyBytes` of memory).
    const tooLarge = closeConnection(bodyTooLarge(maxBodyBytes));

    // What `ivr dial` does before 8x8 places an outbound call, minus 8x8: store the session under a new
    // sessionId and return the actions that would follow makeCall. `ivr call` uses it for outbound-only flows.
    const dial = async (req: IncomingMessage): Promise<APIGatewayProxyResult> => {
      // As guarded as the webhooks: it stores a session and rings nobody, but it is no less a write.
      if (!(await auth.isAuthorised(req.headers as Record<string, string>))) {
        return gatewayError(403, "forbidden: send the WEBHOOK_SECRET in the webhooks' auth header");
      }
      let request: { flow?: unknown; to?: unknown; from?: unknown; inputs?: unknown };
      try {
        const parsed: unknown = JSON.parse(await readBody(req, maxBodyBytes));
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
        request = parsed as typeof request;
      } catch (err) {
        if (err instanceof BodyTooLargeError) return tooLarge;
        return gatewayError(400, "expected a JSON body { flow, to, from?, inputs? }");
      }
      const machine = typeof request.flow === "string" ? registry.current(request.flow) : undefined;
      if (!machine || typeof request.to !== "string") return gatewayError(400, "unknown flow or missing 'to'");
      const inputs = stringMap(request.inputs);
      if (!inputs) return gatewayError(400, "'inputs' must be an object of strings");
      const checked = checkInputs(machine, inputs);
      if (!checked.ok) return json(400, { error: "inputs refused", problems: checked.problems.map((p) => p.message) });
      const from = typeof request.from === "string" ? request.from : (machine.numbers[0] ?? PLACEHOLDER_NUMBER);
      const sessionId = randomUUID();
      const now = deps.now();
      await prepareOutboundSession(
        { sessions: dynamo.sessions, flows: registry, metrics },
        { flow: machine.flow, sessionId, caller: from, called: request.to, now, inputs: checked.inputs },
      );
      const record = await dynamo.sessions.get(sessionId, now);
      return json(200, {
        sessionId,
        flow: machine.flow,
        version: machine.version,
        from,
        to: request.to,
        ...record?.lastAnswer,
      });
    };

    studio = await createStudio({ flowsDir, machines: () => current, url: () => baseUrl, dynamo, print });
    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      if (await studio?.handle(req, res)) return;
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      const method = req.method ?? "GET";
      if (method === "GET" && path === "/health") {
        const store = await storeHealth(dynamo.sessions);
        const body = {
          ok: store === "ok",
          store,
          dynamodb: dynamo.endpoint,
          flows: current.length,
          fallbackMarkersPending: markers.backlog(),
        };
        return writeApiGatewayResult(res, json(store === "ok" ? 200 : 503, body));
      }
      if (method === "GET" && path === "/flows") {
        return writeApiGatewayResult(res, json(200, { flows: current.map(flowInfo) }));
      }
      if (method === "POST" && path === "/local/dial") {
        return writeApiGatewayResult(res, await atRequestTime(req, () => dial(req)));
      }
      const analyticsAnswer = await analytics.route(method, new URL(req.url ?? "/", "http://localhost"));
      if (analyticsAnswer) return writeApiGatewayResult(res, analyticsAnswer);
      const campaignAnswer = await outbound.handle(req, method, new URL(req.url ?? "/", "http://localhost"));
      if (campaignAnswer) return writeApiGatewayResult(res, campaignAnswer);
      const handler = routes[`${method} ${path}`];
      if (!handler) {
        const known = Object.keys(routes).some((r) => r.endsWith(` ${path}`));
        return writeApiGatewayResult(
          res,
          known ? gatewayError(405, "Method Not Allowed") : gatewayError(404, "Not Found"),
        );
      }
      let body: string;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return writeApiGatewayResult(res, tooLarge);
        throw err;
      }
      const event = toApiGatewayEvent(req, body, { resource: path });
      writeApiGatewayResult(res, await atRequestTime(req, () => handler(event)));
    };

    server = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        // What API Gateway answers when the Lambda itself fails.
        const { error } = errorFields(err);
        print(`handler failed: ${error.stack ?? `${error.name}: ${error.message}`}`);
        if (!res.headersSent) writeApiGatewayResult(res, gatewayError(502, "Internal server error"));
        else res.destroy();
      });
    });
    const port = await listen(server, options.port ?? 3000, options.host ?? "127.0.0.1", options.fallbackToFreePort);
    baseUrl = `http://127.0.0.1:${port}`;
    outbound.start();
    if (options.watch !== false) {
      watcher = watchFlowsDir(flowsDir, () => void reload(), options.reloadDebounceMs);
    }

    const host =
      options.host && options.host !== "0.0.0.0" && options.host !== "127.0.0.1" ? options.host : "localhost";
    const activeServer = server;
    const activeWatcher = watcher;
    const activeStudio = studio;
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}`,
      port,
      dynamodbEndpoint: dynamo.endpoint,
      dynamodbPid: () => dynamo.pid(),
      machines: () => current,
      reload,
      outbound,
      stop() {
        stopping ??= (async () => {
          activeWatcher?.close();
          // Calls in progress are played to their end first: they need the server's webhooks.
          await outbound.stop();
          await activeStudio.close();
          await close(activeServer);
          await reloading?.catch(() => undefined);
          await dynamo.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    watcher?.close();
    await studio?.close();
    if (server?.listening) await close(server);
    await dynamo.stop();
    throw err;
  }
}

/** What GET /flows lists for one flow. */
function flowInfo(m: CompiledMachine) {
  return {
    flow: m.flow,
    version: m.version,
    numbers: m.numbers,
    description: m.description,
    start: m.start,
    states: Object.keys(m.states).length,
    source: m.source,
    // fetch states with a hold message: `ivr call` reports them heard at once, as 8x8 does once they played
    holds: holdStatesOf(m),
  };
}

/** Every compiled version goes into the flowVersions table, as the deploy does, so pinning works locally. */
async function storeVersions(dynamo: LocalDynamo, machines: readonly CompiledMachine[]): Promise<void> {
  await Promise.all(machines.map((m) => dynamo.flowVersions.put(m)));
}

function diff(before: readonly CompiledMachine[], after: readonly CompiledMachine[]): string[] {
  const old = new Map(before.map((m) => [m.flow, m.version]));
  const lines: string[] = [];
  for (const m of after) {
    if (old.get(m.flow) !== m.version) lines.push(`${old.has(m.flow) ? "reloaded" : "added"} ${m.flow} v${m.version}`);
    old.delete(m.flow);
  }
  for (const flow of old.keys()) lines.push(`removed ${flow}`);
  return lines;
}

function describe(machines: readonly CompiledMachine[]): string {
  return machines.length > 0 ? machines.map((m) => `${m.flow} v${m.version}`).join(", ") : "none";
}

/** The header the webhooks check, with its value, when WEBHOOK_SECRET is set (the simulated 8x8 sends it). */
function webhookHeaders(): Record<string, string> {
  const secret = process.env.WEBHOOK_SECRET;
  return secret ? { [process.env.WEBHOOK_AUTH_HEADER ?? "authorization"]: secret } : {};
}

/** A JSON object whose values are all strings (absent: empty); undefined when it is anything else. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  return entries.every(([, v]) => typeof v === "string")
    ? (Object.fromEntries(entries) as Record<string, string>)
    : undefined;
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body, null, 2) };
}
