/**
 * The whole stack on one machine: the same VCA/VSS handler factories the Lambdas export, behind a Node http server
 * that speaks API Gateway's proxy format, on DynamoDB Local, with flows compiled from flows/ and hot-reloaded.
 * startLocalServer wires the parts: the reloader (reloader.ts), the webhook dependencies, and the router
 * (router.ts), on which each concept mounts its routes with one line.
 */
import { createServer, type Server } from "node:http";
import type { CompiledMachine } from "../engine/machine.js";
import { createFetchPerformer } from "../integration/performer.js";
import { envSecrets } from "../integration/secrets.js";
import { compileFlowsDir } from "../language/build.js";
import { errorFields } from "../observability/logger.js";
import { campaignCallRecorder } from "../outbound/attempts.js";
import { createStudio, type Studio } from "../studio/index.js";
import { authenticatorFromEnv } from "../webhooks/auth.js";
import { FallbackMarkers } from "../webhooks/fallback-markers.js";
import { describeFetch, type FetchEvent, type FetchObserver } from "../webhooks/fetch-effects.js";
import { FlowRegistry } from "../webhooks/flow-registry.js";
import { MAX_WEBHOOK_BODY_BYTES, type WebhookDeps } from "../webhooks/http-handlers.js";
import { DEFAULT_SESSION_TTL_SECONDS } from "../webhooks/vca-service.js";
import { localAnalytics } from "./analytics-routes.js";
import { lagSeconds } from "./clock.js";
import { flowsDirName } from "./flow-source.js";
import { close, listen } from "./listen.js";
import { type LocalDynamo, openLocalDynamo } from "./local-dynamo.js";
import { mountLocalApi } from "./local-routes.js";
import { createLocalObservability } from "./observability.js";
import { createLocalOutbound, type LocalOutbound, type LocalOutboundSettings } from "./outbound.js";
import { startFlowReloader } from "./reloader.js";
import { requestClock } from "./request-clock.js";
import { LocalRouter, type LocalStack } from "./router.js";
import { mountWebhooks } from "./webhook-routes.js";

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

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  // Named as `ivr validate` names it: the terminal and the studio show the same file names, from one compile.
  const flowsDir = flowsDirName(options.flowsDir ?? "flows");
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
  const closers: (() => Promise<void> | void)[] = [];
  let server: Server | undefined;
  try {
    const registry = new FlowRegistry(initial.machines, dynamo.flowVersions);
    const flows = await startFlowReloader({
      dir: flowsDir,
      initial,
      registry,
      versions: dynamo.flowVersions,
      watch: options.watch !== false,
      ...(options.reloadDebounceMs !== undefined && { debounceMs: options.reloadDebounceMs }),
      print,
    });
    closers.push(() => flows.close());
    restored = async (reason) => {
      await Promise.all(flows.machines().map((m) => dynamo.flowVersions.put(m)));
      print(
        `DynamoDB Local died (${reason}); restarted on ${dynamo.endpoint}: tables recreated, ` +
          `${flows.machines().length} flow version(s) stored again (sessions of calls in progress were lost)`,
      );
    };

    const analytics = localAnalytics({ print, ...(options.now && { now: options.now }) });
    let studio: Studio | undefined;
    const onFetch = options.onFetch ?? ((event: FetchEvent) => print(describeFetch(event)));
    const deps: WebhookDeps = {
      ...webhookDeps(dynamo, registry, options.now ?? (() => new Date()), maxBodyBytes),
      events: analytics.events,
      onFetch: (event) => {
        onFetch(event);
        studio?.observeFetch(event);
      },
    };
    let loopbackUrl = "";
    const stack: LocalStack = {
      deps,
      dynamo,
      flows,
      maxBodyBytes,
      print,
      url: () => loopbackUrl,
      onStop: (close) => void closers.push(close),
    };
    const outbound = createLocalOutbound({
      dynamo,
      flows: registry,
      url: stack.url,
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
      print,
      webhookHeaders: webhookHeaders(),
      ...(deps.auth && { authorised: deps.auth.isAuthorised.bind(deps.auth) }),
      ...(options.outbound && { settings: options.outbound }),
    });
    // Each concept mounts its routes: one line each.
    const router = new LocalRouter();
    mountWebhooks(router, stack);
    mountLocalApi(router, stack);
    analytics.mount(router);
    outbound.mount(router);
    studio = await createStudio({
      flowsDir,
      machines: flows.machines,
      url: stack.url,
      dynamo,
      print,
      webhookHeaders,
      initial,
      onReload: flows.onReload,
    });
    stack.onStop(() => studio?.close());
    studio.mount(router);

    server = createServer((req, res) => {
      void router.handle(req, res, (err) => {
        // What API Gateway answers when the Lambda itself fails; the stack is for the person running the server.
        const { error } = errorFields(err);
        print(`handler failed: ${error.stack ?? `${error.name}: ${error.message}`}`);
      });
    });
    const port = await listen(server, options.port ?? 3000, options.host ?? "127.0.0.1", options.fallbackToFreePort);
    const host =
      options.host && options.host !== "0.0.0.0" && options.host !== "127.0.0.1" ? options.host : "localhost";
    const url = `http://${host}:${port}`;
    loopbackUrl = `http://${host === "localhost" ? "127.0.0.1" : host}:${port}`;
    outbound.start();

    const activeServer = server;
    let stopping: Promise<void> | undefined;
    return {
      url,
      port,
      dynamodbEndpoint: dynamo.endpoint,
      dynamodbPid: () => dynamo.pid(),
      machines: () => flows.machines(),
      reload: () => flows.reload(),
      outbound,
      stop() {
        stopping ??= (async () => {
          // Calls in progress are played to their end first: they need the server's webhooks.
          await outbound.stop();
          await close(activeServer);
          await closeAll(closers);
          await dynamo.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    if (server?.listening) await close(server);
    await closeAll(closers);
    await dynamo.stop();
    throw err;
  }
}

/**
 * The handlers' dependencies, as the Lambdas build theirs (lambdas/runtime.ts), on the local stores. Their clock
 * is the request's own when it sets one (`ivr call --at`, the studio's phone), else `clock` (`npm start -- --at`,
 * or the real one).
 */
function webhookDeps(dynamo: LocalDynamo, flows: FlowRegistry, clock: () => Date, maxBodyBytes: number): WebhookDeps {
  const now = requestClock(clock);
  const { logger, metrics } = createLocalObservability();
  // Same switch as the Lambdas: WEBHOOK_SECRET set = the auth header is checked (ivr call sends it too); unset =
  // authentication is off, which the authenticator says once.
  const auth = authenticatorFromEnv(
    { WEBHOOK_SECRET: process.env.WEBHOOK_SECRET, WEBHOOK_AUTH_HEADER: process.env.WEBHOOK_AUTH_HEADER },
    logger,
  );
  return {
    auth,
    markers: new FallbackMarkers(dynamo.sessions, logger),
    sessions: dynamo.sessions,
    summaries: dynamo.summaries,
    flows,
    logger,
    metrics,
    now,
    maxBodyBytes,
    // Flows' services for real: CALLFLOW_SERVICE_URL_<service> (npm start points them at the example back end)
    // or the flow's URL; secrets from CALLFLOW_SECRET_<name>.
    fetcher: createFetchPerformer({ secrets: envSecrets(), logger, metrics }),
    campaigns: campaignCallRecorder(dynamo.campaigns),
    // Read once per event: a session stored by a clock set in the past lives that much longer (clock.ts).
    get sessionTtlSeconds() {
      return DEFAULT_SESSION_TTL_SECONDS + lagSeconds(now());
    },
  };
}

/** The header the webhooks check, with its value, when WEBHOOK_SECRET is set (the simulated 8x8 sends it). */
function webhookHeaders(): Record<string, string> {
  const secret = process.env.WEBHOOK_SECRET;
  return secret ? { [process.env.WEBHOOK_AUTH_HEADER ?? "authorization"]: secret } : {};
}

/** Run the closers, last registered first; one failing does not keep the others from running. */
async function closeAll(closers: (() => Promise<void> | void)[]): Promise<void> {
  for (const closer of closers.splice(0).reverse()) {
    try {
      await closer();
    } catch {
      // stopping anyway: the process is going away
    }
  }
}
