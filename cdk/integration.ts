/**
 * What deployed flows need to reach the business's services: one Secrets Manager secret per secret name the
 * flows use (or an existing one, by ARN from the `secretArns` context), readable by the VCA function only, and the
 * services' base URLs replaced per environment by the `serviceUrls` context (a staging URL, say). Both reach the
 * function as environment variables: CALLFLOW_SECRET_ARN_<name> (the ARN, never a value) and
 * CALLFLOW_SERVICE_URL_<service>.
 */
import { CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { OUTPUT } from "../src/deploy/stack-outputs.js";
import type { CompiledMachine } from "../src/engine/machine.js";
import { secretArnEnvVar } from "../src/integration/secrets.js";
import { checkedBaseUrl, ServiceConfigError, serviceUrlEnvVar } from "../src/integration/services.js";
import type { CallflowFunction } from "./callflow-function.js";

/** The most fetch timeouts one answer can spend (the checker's `fetch-budget`, docs/flow-language.md). */
export const FETCH_BUDGET = Duration.seconds(5);
/**
 * The session store's share of one VCA event, worst case: the read, the claim before a request with side effects
 * and the answer's write, each up to ~1.25 s with the hot-path client's retries (src/store/dynamodb-client.ts).
 */
export const STORE_BUDGET = Duration.millis(3750);
/** The VCA function may run this long: the largest fetch budget plus the store's, and a margin for the rest. */
export const VCA_FUNCTION_TIMEOUT = Duration.seconds(10);
/** API Gateway waits a little longer than the function, so a timeout is the function's, never a gateway 504. */
export const VCA_INTEGRATION_TIMEOUT = Duration.seconds(11);

export interface FlowIntegrationProps {
  machines: readonly CompiledMachine[];
  /** the function that performs fetches (the VCA function) */
  fn: CallflowFunction;
  /** service -> base URL replacing the flows' (context `serviceUrls`) */
  serviceUrls: Record<string, string>;
  /** secret name -> ARN of an existing secret to use instead of creating one (context `secretArns`) */
  secretArns: Record<string, string>;
}

export class FlowIntegration extends Construct {
  /** by secret name */
  readonly secrets: Record<string, ISecret> = {};

  constructor(scope: Construct, id: string, props: FlowIntegrationProps) {
    super(scope, id);
    const { machines, fn } = props;

    const names = [...new Set(machines.flatMap((m) => m.secrets ?? []))].sort();
    for (const name of Object.keys(props.secretArns)) {
      if (!names.includes(name)) {
        throw new Error(
          `secretArns: no deployed flow uses a secret named "${name}" (used: ${names.join(", ") || "none"})`,
        );
      }
    }
    for (const name of names) {
      const arn = props.secretArns[name];
      const secret = arn ? importSecret(this, name, arn) : this.createSecret(name);
      secret.grantRead(fn);
      fn.addEnvironment(secretArnEnvVar(name), secret.secretArn);
      this.secrets[name] = secret;
    }

    const services = new Set(machines.flatMap((m) => Object.keys(m.services ?? {})));
    for (const [service, url] of Object.entries(props.serviceUrls)) {
      if (!services.has(service)) {
        throw new Error(
          `serviceUrls: no deployed flow declares a service named "${service}" (declared: ${[...services].sort().join(", ") || "none"})`,
        );
      }
      checkServiceUrl(service, url);
      fn.addEnvironment(serviceUrlEnvVar(service), url);
    }

    new CfnOutput(Stack.of(this), OUTPUT.flowSecretArns, {
      value: Stack.of(this).toJsonString(Object.fromEntries(names.map((n) => [n, this.secrets[n]?.secretArn]))),
      description: "the Secrets Manager secret (ARN, never the value) behind each flow secret: ivr secrets set <name>",
    });
  }

  private createSecret(name: string): Secret {
    const secret = new Secret(this, `Secret-${name}`, {
      description:
        `callflow flow secret "${name}" ({{secrets.${name}}} in a service header). Starts as a random value: ` +
        "set the real one with `ivr secrets set " +
        `${name}\``,
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The value is a credential issued by the business's own service (an API token), rotated where it is " +
        "issued and stored with `ivr secrets set`; a Secrets Manager rotation Lambda cannot mint it. The VCA " +
        "function re-reads it within 5 minutes (docs/integration.md).",
    });
    return secret;
  }
}

/** A secret made elsewhere: a complete ARN ends in the 6-character suffix Secrets Manager adds, else partial. */
function importSecret(scope: Construct, name: string, arn: string): ISecret {
  const complete = /-[A-Za-z0-9]{6}$/.test(arn);
  return Secret.fromSecretAttributes(
    scope,
    `Imported-${name}`,
    complete ? { secretCompleteArn: arn } : { secretPartialArn: arn },
  );
}

/**
 * A `serviceUrls` entry as the VCA function checks it on every request (checkedBaseUrl: no query, fragment or
 * credentials), and https: a deployed function has no loopback service to reach over http. Refused here, a bad
 * URL fails the synth instead of every call after the deploy. The message never repeats the URL (it may carry
 * credentials).
 */
function checkServiceUrl(service: string, url: string): void {
  const refused = (reason: string) => new Error(`serviceUrls.${service}: ${reason}`);
  if (URL.canParse(url) && new URL(url).protocol !== "https:") {
    throw refused("must be an https URL (a deployed function reaches no loopback host)");
  }
  try {
    checkedBaseUrl(service, url);
  } catch (error) {
    if (!(error instanceof ServiceConfigError)) throw error;
    throw refused(error.message.replace(`service ${service}: `, ""));
  }
}
