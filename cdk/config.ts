/**
 * Deployment options, read from CDK context (`cdk deploy -c key=value` or cdk.json), with the defaults a first
 * deployment should have. Every option is documented in docs/deploy.md.
 */
import type { Node } from "constructs";
import { DEFAULT_BASE_URL } from "../src/voice-api/client.js";

/**
 * 8x8 Voice webhook source addresses, Asia Pacific (Singapore), from 8x8's "Voice IP addresses" page (list dated
 * 2026-01-01). 8x8 publishes no other region's voice list; accounts served elsewhere override it with the
 * `webhookSourceIps` context.
 */
export const EIGHT_BY_EIGHT_APAC_WEBHOOK_IPS = ["18.140.80.2", "52.220.253.234", "54.255.116.8", "52.74.232.241"];

export interface CallflowConfig {
  /** directory of the flows to compile and deploy */
  flowsDir: string;
  /** CIDRs (or bare IPv4 addresses) allowed to call the webhooks */
  webhookSourceIps: string[];
  /** stage-wide steady-state requests per second */
  throttleRateLimit: number;
  /** stage-wide burst */
  throttleBurstLimit: number;
  /** attach a WAF web ACL (managed common rules, per-IP rate limit, 8x8 IP set) */
  waf: boolean;
  /** requests per 5 minutes from one IP before WAF blocks it (all of 8x8's traffic comes from four IPs) */
  wafRateLimit: number;
  /** subscribe this address to the alarm topic */
  alarmEmail: string | undefined;
  /** VCA p99 duration alarm threshold */
  vcaLatencyBudgetMs: number;
  logLevel: string;
  tracing: boolean;
  /** create the account-level role API Gateway needs to write logs (off if the account already has one) */
  apiGatewayCloudWatchRole: boolean;
  /** how long a session lives before DynamoDB TTL may delete it (the runtime default applies when unset) */
  sessionTtlSeconds: number | undefined;
  /** service -> base URL replacing the one in the flows (e.g. a staging API), docs/integration.md */
  serviceUrls: Record<string, string>;
  /** flow secret name -> ARN of an existing Secrets Manager secret to use instead of creating one */
  secretArns: Record<string, string>;
  /** outbound campaigns: the 8x8 subaccount the dispatcher dials from (unset: campaigns pause, saying so) */
  eightByEightSubaccountId: string | undefined;
  /** outbound campaigns: 8x8's API base URL */
  eightByEightBaseUrl: string;
  /** outbound campaigns: an existing Secrets Manager secret holding the 8x8 API key (unset: the stack makes one) */
  voiceApiKeySecretArn: string | undefined;
}

export const DEFAULT_CONFIG: CallflowConfig = {
  flowsDir: "flows",
  webhookSourceIps: EIGHT_BY_EIGHT_APAC_WEBHOOK_IPS,
  throttleRateLimit: 100,
  throttleBurstLimit: 200,
  waf: false,
  wafRateLimit: 20_000,
  alarmEmail: undefined,
  vcaLatencyBudgetMs: 1000,
  logLevel: "INFO",
  tracing: false,
  apiGatewayCloudWatchRole: true,
  sessionTtlSeconds: undefined,
  serviceUrls: {},
  secretArns: {},
  eightByEightSubaccountId: undefined,
  eightByEightBaseUrl: DEFAULT_BASE_URL,
  voiceApiKeySecretArn: undefined,
};

/** `1.2.3.4` -> `1.2.3.4/32`; CIDRs pass through; anything else is a configuration error. */
export function toCidr(value: string): string {
  const text = value.trim();
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!match || match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5] ?? 32) > 32) {
    throw new Error(`webhookSourceIps: "${value}" is not an IPv4 address or CIDR`);
  }
  return match[5] === undefined ? `${text}/32` : text;
}

function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(String);
  // `-c webhookSourceIps=1.2.3.4,5.6.7.8` arrives as a string; a JSON array string is accepted too.
  const text = String(value).trim();
  if (text.startsWith("[")) return (JSON.parse(text) as unknown[]).map(String);
  return text.split(",").filter((s) => s.trim() !== "");
}

/** `-c serviceUrls='{"bank":"https://..."}'` arrives as a JSON string; cdk.json may hold the object itself. */
function stringMap(name: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  let parsed: unknown = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error(`${name}: expected a JSON object like {"bank":"https://..."}`);
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`${name}: expected an object of names to strings`);
  }
  const out: Record<string, string> = {};
  for (const [key, item] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof item !== "string") throw new Error(`${name}.${key}: expected a string`);
    out[key] = item;
  }
  return out;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got "${String(value)}"`);
  return n;
}

function flag(value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === "true" || value === "1";
}

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

export function configFromContext(node: Node): CallflowConfig {
  const get = (key: string): unknown => node.tryGetContext(key);
  const ips = list(get("webhookSourceIps")) ?? DEFAULT_CONFIG.webhookSourceIps;
  if (ips.length === 0) throw new Error("webhookSourceIps: at least one address is needed (8x8 calls from them)");
  const email = get("alarmEmail");
  const ttl = get("sessionTtlSeconds");
  return {
    flowsDir: String(get("flowsDir") ?? DEFAULT_CONFIG.flowsDir),
    webhookSourceIps: ips.map(toCidr),
    throttleRateLimit: positive("throttleRateLimit", get("throttleRateLimit"), DEFAULT_CONFIG.throttleRateLimit),
    throttleBurstLimit: positive("throttleBurstLimit", get("throttleBurstLimit"), DEFAULT_CONFIG.throttleBurstLimit),
    waf: flag(get("waf"), DEFAULT_CONFIG.waf),
    wafRateLimit: positive("wafRateLimit", get("wafRateLimit"), DEFAULT_CONFIG.wafRateLimit),
    alarmEmail: typeof email === "string" && email !== "" ? email : undefined,
    vcaLatencyBudgetMs: positive("vcaLatencyBudgetMs", get("vcaLatencyBudgetMs"), DEFAULT_CONFIG.vcaLatencyBudgetMs),
    logLevel: String(get("logLevel") ?? DEFAULT_CONFIG.logLevel),
    tracing: flag(get("tracing"), DEFAULT_CONFIG.tracing),
    apiGatewayCloudWatchRole: flag(get("apiGatewayCloudWatchRole"), DEFAULT_CONFIG.apiGatewayCloudWatchRole),
    sessionTtlSeconds: ttl === undefined ? undefined : positive("sessionTtlSeconds", ttl, 1),
    serviceUrls: stringMap("serviceUrls", get("serviceUrls")),
    secretArns: stringMap("secretArns", get("secretArns")),
    eightByEightSubaccountId: optionalText(get("eightByEightSubaccountId")),
    eightByEightBaseUrl: optionalText(get("eightByEightBaseUrl")) ?? DEFAULT_CONFIG.eightByEightBaseUrl,
    voiceApiKeySecretArn: optionalText(get("voiceApiKeySecretArn")),
  };
}
