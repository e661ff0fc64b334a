/**
 * Outbound campaigns in the local stack (`npm start`), mounted by the server with one line (`outbound.mount(router)`):
 *
 * - the campaign routes `ivr campaign --local` talks to (the same operations as against a deployed stack);
 * - 8x8's Send Callflow, simulated (src/local/simulated-voice-api.ts): calls are played through the real webhooks;
 * - the campaign dispatcher, the very code the deployed Lambda runs, in a loop on DynamoDB Local.
 *
 *   POST /local/campaigns                      { flow, csv, options? } -> 201 { campaign } | 422 { problems }
 *   GET  /local/campaigns                      every campaign
 *   GET  /local/campaigns/{id}                 status and counts
 *   GET  /local/campaigns/{id}/results         one row per contact (JSON; ?format=csv for CSV)
 *   POST /local/campaigns/{id}/pause|resume|stop
 *   POST /api/v1/subaccounts/{id}/callflows    the simulated 8x8 Send Callflow
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { APIGatewayProxyResult } from "aws-lambda";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import type { CampaignStatus } from "../outbound/campaign.js";
import {
  type CampaignAction,
  type CampaignServiceDeps,
  campaignResults,
  campaignStatus,
  changeCampaign,
  describeRefusal,
  type StartOptions,
  startCampaign,
} from "../outbound/campaigns.js";
import { Dispatcher, type DispatcherOptions } from "../outbound/dispatcher.js";
import { resultsCsv } from "../outbound/results.js";
import { VoiceApiClient } from "../voice-api/client.js";
import type { FlowRegistry } from "../webhooks/flow-registry.js";
import { BodyTooLargeError, gatewayError, readBody, writeApiGatewayResult } from "./apigw-adapter.js";
import type { LocalDynamo } from "./local-dynamo.js";
import type { LocalRouter } from "./router.js";
import { holdStatesOf, LOCAL_SUBACCOUNT, PLACEHOLDER_NUMBER } from "./simulated-8x8.js";
import { SimulatedVoiceApi, watchSessions } from "./simulated-voice-api.js";

/** A contacts file posted to the local server may be far larger than a webhook body. */
export const MAX_CONTACTS_BODY_BYTES = 32 * 1024 * 1024;

export interface LocalOutboundSettings {
  /** run a dispatcher in the server (default true) */
  dispatcher?: boolean;
  dispatcherOptions?: Partial<DispatcherOptions>;
  /** milliseconds between dispatcher ticks (default 250) */
  tickMs?: number;
  /** the simulated 8x8's Send Callflow limit, per second (default 8x8's 1,800) */
  rateLimitPerSecond?: number;
  /** how long a simulated phone rings (default 50 ms) */
  ringMs?: number;
  /** the simulated 8x8 answers every Nth Send Callflow with 429, to watch the backoff */
  refuseEvery?: number;
}

export interface LocalOutboundDeps {
  dynamo: LocalDynamo;
  flows: FlowRegistry;
  /** the server's own base URL, known once it listens */
  url: () => string;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  print: (text: string) => void;
  webhookHeaders?: Record<string, string>;
  /** the webhooks' authentication: the campaign routes are guarded as they are (they store and dial) */
  authorised?: (headers: Record<string, string>) => Promise<boolean>;
  settings?: LocalOutboundSettings;
}

export interface LocalOutbound {
  voiceApi: SimulatedVoiceApi;
  /** the server's own dispatcher (undefined when turned off) */
  dispatcher: Dispatcher | undefined;
  /** a dispatcher on the same stores and simulated 8x8 (tests run a second one beside the server's) */
  newDispatcher(options?: Partial<DispatcherOptions>, id?: string): Dispatcher;
  /** Mounts the campaign routes and the simulated Send Callflow on the local server's router. */
  mount(router: LocalRouter): void;
  /** Start the dispatcher loop (once the server listens). */
  start(): void;
  stop(): Promise<void>;
}

export function createLocalOutbound(deps: LocalOutboundDeps): LocalOutbound {
  const settings = deps.settings ?? {};
  const sessions = watchSessions(deps.dynamo.sessions);
  const voiceApi = new SimulatedVoiceApi({
    webhookBaseUrl: deps.url,
    sessions,
    ...(deps.webhookHeaders && { webhookHeaders: deps.webhookHeaders }),
    ...(settings.rateLimitPerSecond !== undefined && { rateLimitPerSecond: settings.rateLimitPerSecond }),
    ...(settings.ringMs !== undefined && { ringMs: settings.ringMs }),
    ...(settings.refuseEvery !== undefined && { refuseEvery: settings.refuseEvery }),
    holdStates: async (flow, version) => {
      const machine = await deps.flows.get(flow, version);
      return machine ? holdStatesOf(machine) : [];
    },
    print: deps.print,
  });
  const service: CampaignServiceDeps = {
    store: deps.dynamo.campaigns,
    flowVersions: deps.dynamo.flowVersions,
    now: deps.now,
  };
  const newDispatcher = (options: Partial<DispatcherOptions> = {}, id?: string) =>
    new Dispatcher({
      store: deps.dynamo.campaigns,
      sessions,
      flows: deps.flows,
      // The ordinary 8x8 client, pointed at this server: the simulated Send Callflow route below.
      api: new VoiceApiClient({ apiKey: "local", subAccountId: LOCAL_SUBACCOUNT, baseUrl: deps.url(), maxRetries: 0 }),
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
      ...(id !== undefined && { id }),
      options: { ...settings.dispatcherOptions, ...options },
    });
  const abort = new AbortController();
  let dispatcher: Dispatcher | undefined;
  let running: Promise<unknown> | undefined;

  const start = async (req: IncomingMessage): Promise<APIGatewayProxyResult> => {
    let body: { flow?: unknown; csv?: unknown; options?: unknown };
    try {
      body = JSON.parse(await readBody(req, MAX_CONTACTS_BODY_BYTES)) as typeof body;
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return gatewayError(413, `body larger than ${MAX_CONTACTS_BODY_BYTES} bytes`);
      return gatewayError(400, "expected a JSON body { flow, csv, options? }");
    }
    if (typeof body.flow !== "string" || typeof body.csv !== "string") {
      return gatewayError(400, "expected a JSON body { flow, csv, options? }");
    }
    const machine = deps.flows.current(body.flow);
    if (!machine) {
      const known =
        deps.flows
          .all()
          .map((m) => m.flow)
          .join(", ") || "none";
      return json(422, {
        problems: [{ line: 0, message: `the server has no flow '${body.flow}' (it serves: ${known})` }],
      });
    }
    const options = (body.options ?? {}) as StartOptions;
    const started = await startCampaign(service, machine, body.csv, {
      ...options,
      from: options.from ?? machine.numbers[0] ?? PLACEHOLDER_NUMBER,
      allowScript: true,
    });
    if (!started.ok) return json(422, { problems: started.problems });
    for (const row of started.rows) voiceApi.registerScript(row.to, row.script ?? "");
    deps.print(`campaign ${started.campaign.campaignId}: ${started.campaign.contacts} contacts, flow ${machine.flow}`);
    return json(201, { campaign: started.campaign });
  };

  // A campaign or Send Callflow request's answer; undefined for any other path under the mounted prefixes.
  const handle = async (req: IncomingMessage, method: string, url: URL): Promise<APIGatewayProxyResult | undefined> => {
    const path = url.pathname;
    if (/^\/api\/v1\/subaccounts\/[^/]+\/callflows$/.test(path)) {
      if (method !== "POST") return gatewayError(405, "Method Not Allowed");
      return voiceApi.sendCallflow(await readBody(req, MAX_CONTACTS_BODY_BYTES));
    }
    const match = /^\/local\/campaigns(?:\/([^/]+)(?:\/(results|pause|resume|stop))?)?\/?$/.exec(path);
    if (!match) return undefined;
    if (deps.authorised && !(await deps.authorised(req.headers as Record<string, string>))) {
      return gatewayError(403, "forbidden: send the WEBHOOK_SECRET in the webhooks' auth header");
    }
    const [, id, verb] = match;
    if (!id) {
      if (method === "POST") return start(req);
      if (method !== "GET") return gatewayError(405, "Method Not Allowed");
      const statuses: CampaignStatus[] = ["running", "paused", "stopped", "completed"];
      const lists = await Promise.all(statuses.map((s) => deps.dynamo.campaigns.list(s)));
      return json(200, { campaigns: lists.flat().sort((a, b) => a.createdAt.localeCompare(b.createdAt)) });
    }
    const campaignId = decodeURIComponent(id);
    if (verb === undefined || verb === "results") {
      if (method !== "GET") return gatewayError(405, "Method Not Allowed");
      if (verb === undefined) {
        const report = await campaignStatus(service, campaignId);
        return report ? json(200, report) : gatewayError(404, `no campaign ${campaignId}`);
      }
      const rows = await campaignResults(service, campaignId);
      if (!rows) return gatewayError(404, `no campaign ${campaignId}`);
      if (url.searchParams.get("format") === "csv") {
        return { statusCode: 200, headers: { "content-type": "text/csv; charset=utf-8" }, body: resultsCsv(rows) };
      }
      return json(200, { campaignId, rows });
    }
    if (method !== "POST") return gatewayError(405, "Method Not Allowed");
    const result = await changeCampaign(service, campaignId, verb as CampaignAction);
    if (result.ok) return json(200, { campaign: result.campaign });
    return gatewayError(result.reason === "unknown" ? 404 : 409, describeRefusal(verb as CampaignAction, result));
  };

  return {
    voiceApi,
    get dispatcher() {
      return dispatcher;
    },
    newDispatcher,
    mount(router) {
      const answer = async (req: IncomingMessage, res: ServerResponse, url: URL) =>
        writeApiGatewayResult(res, (await handle(req, req.method ?? "GET", url)) ?? gatewayError(404, "Not Found"));
      router.route("*", "/local/campaigns/*", answer);
      router.route("*", "/api/v1/subaccounts/*", answer);
    },
    start() {
      if (settings.dispatcher === false || running) return;
      dispatcher = newDispatcher({}, "local");
      running = dispatcher.run({ signal: abort.signal, tickMs: settings.tickMs ?? 250 });
    },
    async stop() {
      abort.abort();
      await running;
      await voiceApi.stop();
    },
  };
}

function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body, null, 2) };
}
