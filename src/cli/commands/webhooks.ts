/**
 * `ivr webhooks register|list|delete|rotate`: point 8x8's VCA and VSS webhooks at the deployed stack, with the
 * shared secret from Secrets Manager as the httpAuthHeader 8x8 sends back on every delivery.
 *
 * Rotation without dropping calls: `rotate` writes `{ current: new, previous: old }` (the Lambdas accept both),
 * waits for them to pick it up, then re-registers both webhooks with the new value. Once deliveries carrying the
 * old value have stopped, `rotate --finish` clears `previous`.
 */
import { randomBytes } from "node:crypto";
import { explainAwsError } from "../../deploy/aws-errors.js";
import { DEFAULT_STACK_NAME, describeStackOutputs, OUTPUT, type StackOutputs } from "../../deploy/stack-outputs.js";
import {
  VoiceApiClient,
  type VoiceApiOptions,
  voiceApiOptionsFromEnv,
  type WebhookType,
} from "../../voice-api/client.js";
import { type OptionValues, parseCommandLine, suggestion, usageError } from "../args.js";
import { STACK_OPTIONS, stackOutputsOf } from "../stack-outputs.js";

const USAGE = `usage: ivr webhooks <register|list|delete|rotate> [options]

  register            register VCA and VSS with the stack's URLs and the current secret
  list                show the subaccount's webhooks
  delete [VCA|VSS]    remove one webhook (default: both)
  rotate              new secret: {current: new, previous: old}, then re-register both webhooks
  rotate --finish     clear "previous" once deliveries with the old value have stopped

options:
  --stack <name>            CloudFormation stack (default ${DEFAULT_STACK_NAME})
  --region <region>         its region (default: the AWS SDK's)
  --stack-outputs <file>    read outputs from \`cdk deploy --outputs-file <file>\` instead of CloudFormation
  --vca-url <url>           override the VCA URL
  --vss-url <url>           override the VSS URL
  --secret-arn <arn>        override the webhook secret ARN
  --subaccount <id>         8x8 subaccount (default EIGHTBYEIGHT_SUBACCOUNT_ID)
  --wait <seconds>          rotate: wait before re-registering, for the Lambdas to see the new secret (default 35)

environment: EIGHTBYEIGHT_API_KEY (required), EIGHTBYEIGHT_SUBACCOUNT_ID, EIGHTBYEIGHT_BASE_URL
`;

/** Lambdas re-read the secret after a mismatch at most every 30 s (src/webhooks/auth.ts): wait a little longer. */
const DEFAULT_ROTATION_WAIT_SECONDS = 35;

export interface WebhookSecretValue {
  current: string;
  previous: string;
}

/** The webhook secret in Secrets Manager (an in-memory one in tests). */
export interface SecretStore {
  read(arn: string): Promise<WebhookSecretValue>;
  write(arn: string, value: WebhookSecretValue): Promise<void>;
}

export interface WebhooksDeps {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** the secret store in `region` (the --region flag; default the SDK's) */
  secrets: (region?: string) => Promise<SecretStore>;
  stackOutputs: (stackName: string, region?: string) => Promise<StackOutputs>;
  voiceApi: (options: VoiceApiOptions) => VoiceApiClient;
  sleep: (ms: number) => Promise<void>;
}

export function secretsManagerStore(region?: string): Promise<SecretStore> {
  return import("@aws-sdk/client-secrets-manager").then((sdk) => {
    const client = new sdk.SecretsManagerClient(region ? { region } : {});
    return {
      async read(arn) {
        const { SecretString } = await client.send(new sdk.GetSecretValueCommand({ SecretId: arn }));
        return parseSecretValue(SecretString);
      },
      async write(arn, value) {
        await client.send(new sdk.PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(value) }));
      },
    };
  });
}

export function parseSecretValue(text: string | undefined): WebhookSecretValue {
  if (!text) throw new Error("the webhook secret has no value");
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return { current: trimmed, previous: "" };
  const parsed = JSON.parse(trimmed) as { current?: unknown; previous?: unknown };
  if (typeof parsed.current !== "string" || parsed.current === "") {
    throw new Error('the webhook secret JSON has no "current" value');
  }
  return { current: parsed.current, previous: typeof parsed.previous === "string" ? parsed.previous : "" };
}

/** 40 characters, letters, digits, - and _ (30 random bytes): safe in an HTTP header and in JSON. */
export function newSecretValue(): string {
  return randomBytes(30).toString("base64url");
}

const defaultDeps = (): WebhooksDeps => ({
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  secrets: (region) => secretsManagerStore(region ?? process.env.AWS_REGION),
  stackOutputs: describeStackOutputs,
  voiceApi: (options) => new VoiceApiClient(options),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
});

const COMMAND = {
  name: "webhooks",
  usage: USAGE,
  options: {
    ...STACK_OPTIONS,
    "vca-url": { type: "string" },
    "vss-url": { type: "string" },
    "secret-arn": { type: "string" },
    subaccount: { type: "string" },
    wait: { type: "string" },
    finish: { type: "boolean" },
  },
  positionals: { min: 1, what: "action" },
} as const;

const ACTIONS = ["register", "list", "delete", "rotate"];

export async function run(argv: string[], deps: WebhooksDeps = defaultDeps()): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, deps);
  if (!args.ok) return args.exit;
  const { values } = args;
  const [action = "", ...rest] = args.positionals;
  if (!ACTIONS.includes(action)) {
    return usageError(COMMAND, `unknown action '${action}'${suggestion(action, ACTIONS)}`, deps);
  }
  try {
    const context = new WebhooksContext(values, deps);
    switch (action) {
      case "register":
        return await register(context);
      case "list":
        return await list(context);
      case "delete":
        return await remove(context, rest);
      default: // "rotate": the action was checked above
        return values.finish ? await finishRotation(context) : await rotate(context);
    }
  } catch (error) {
    deps.err(`ivr webhooks ${action}: ${explainAwsError(error)}\n`);
    return 1;
  }
}

type Values = OptionValues<typeof COMMAND.options>;

/** Where the URLs and the secret ARN come from, resolved once and only when needed. */
class WebhooksContext {
  private outputs: Promise<StackOutputs> | undefined;

  constructor(
    readonly values: Values,
    readonly deps: WebhooksDeps,
  ) {}

  api(): VoiceApiClient {
    const options = voiceApiOptionsFromEnv(this.deps.env, {
      ...(this.values.subaccount && { subAccountId: this.values.subaccount }),
    });
    return this.deps.voiceApi(options);
  }

  private stackOutputs(): Promise<StackOutputs> {
    this.outputs ??= (async () => stackOutputsOf(this.values, this.deps.stackOutputs))();
    return this.outputs;
  }

  async value(flag: "vca-url" | "vss-url" | "secret-arn", output: string): Promise<string> {
    const explicit = this.values[flag];
    if (explicit) return explicit;
    const outputs = (await this.stackOutputs()) as Record<string, string | undefined>;
    const found = outputs[output];
    if (!found) throw new Error(`the stack has no ${output} output: pass --${flag}`);
    return found;
  }

  async urls(): Promise<Record<"VCA" | "VSS", string>> {
    return {
      VCA: await this.value("vca-url", OUTPUT.vcaUrl),
      VSS: await this.value("vss-url", OUTPUT.vssUrl),
    };
  }
}

async function registerBoth(context: WebhooksContext, secret: string): Promise<void> {
  const api = context.api();
  await registerWith(context, api, secret);
}

async function registerWith(context: WebhooksContext, api: VoiceApiClient, secret: string): Promise<void> {
  for (const [type, url] of Object.entries(await context.urls()) as ["VCA" | "VSS", string][]) {
    await api.registerWebhook({ type, url, httpAuthHeader: secret, enabled: true });
    context.deps.out(`registered ${type} -> ${url} (with the shared secret as httpAuthHeader)\n`);
  }
}

async function register(context: WebhooksContext): Promise<number> {
  // The 8x8 key first, as `list` does: no AWS call is worth making without it.
  const api = context.api();
  const arn = await context.value("secret-arn", OUTPUT.webhookSecretArn);
  const secret = await (await context.deps.secrets(context.values.region)).read(arn);
  await registerWith(context, api, secret.current);
  return 0;
}

async function list(context: WebhooksContext): Promise<number> {
  const { webhooks } = await context.api().listWebhooks();
  if (webhooks.length === 0) {
    context.deps.out("no webhooks registered for this subaccount\n");
    return 0;
  }
  for (const hook of webhooks) {
    const state = hook.enabled === false ? "disabled" : "enabled";
    const auth = hook.httpAuthHeaderAvailable ? "auth header set" : "NO auth header";
    context.deps.out(`${hook.type.padEnd(4)} ${state.padEnd(8)} ${auth.padEnd(14)} ${hook.url}\n`);
  }
  return 0;
}

async function remove(context: WebhooksContext, types: string[]): Promise<number> {
  const wanted = (types.length > 0 ? types.map((t) => t.toUpperCase()) : ["VCA", "VSS"]) as WebhookType[];
  const unknown = wanted.filter((t) => !["VCA", "VSS", "VCS", "VRU", "VNU"].includes(t));
  if (unknown.length > 0) throw new Error(`unknown webhook type ${unknown.join(", ")} (VCA, VSS, VCS, VRU, VNU)`);
  const api = context.api();
  for (const type of wanted) {
    await api.deleteWebhook(type);
    context.deps.out(`deleted ${type}\n`);
  }
  return 0;
}

async function rotate(context: WebhooksContext): Promise<number> {
  const arn = await context.value("secret-arn", OUTPUT.webhookSecretArn);
  // Fail before touching the secret if 8x8 cannot be reached with these credentials.
  context.api();
  await context.urls();
  const store = await context.deps.secrets(context.values.region);
  const old = await store.read(arn);
  if (old.previous) {
    context.deps.err(
      'warning: "previous" still held a value from an unfinished rotation; it is replaced by the current one\n',
    );
  }
  const next = newSecretValue();
  await store.write(arn, { current: next, previous: old.current });
  context.deps.out("secret updated: the webhooks now accept both the new and the old value\n");

  const waitSeconds = context.values.wait === undefined ? DEFAULT_ROTATION_WAIT_SECONDS : Number(context.values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new Error("--wait expects a number of seconds");
  if (waitSeconds > 0) {
    context.deps.out(`waiting ${waitSeconds} s for running Lambdas to pick up the new value...\n`);
    await context.deps.sleep(waitSeconds * 1000);
  }
  try {
    await registerBoth(context, next);
  } catch (error) {
    context.deps.err(
      "re-registering failed; both values are still accepted, so no call is affected. Fix the cause and run " +
        "`ivr webhooks register` to finish.\n",
    );
    throw error;
  }
  context.deps.out(
    "\n8x8 now sends the new value. Deliveries already queued may still carry the old one: once none have been " +
      "refused for a while (403s in the API access logs), run `ivr webhooks rotate --finish` to stop accepting it.\n",
  );
  return 0;
}

async function finishRotation(context: WebhooksContext): Promise<number> {
  const arn = await context.value("secret-arn", OUTPUT.webhookSecretArn);
  const store = await context.deps.secrets(context.values.region);
  const secret = await store.read(arn);
  if (!secret.previous) {
    context.deps.out("nothing to finish: the secret holds no previous value\n");
    return 0;
  }
  await store.write(arn, { current: secret.current, previous: "" });
  context.deps.out("previous value cleared: only the current secret is accepted from now on\n");
  return 0;
}
