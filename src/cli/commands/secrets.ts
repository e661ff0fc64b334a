/**
 * `ivr secrets set <name>` / `ivr secrets list`: the deployed values of the secrets flows use in their service
 * headers (`{{secrets.NAME}}`). The stack makes one Secrets Manager secret per name; this finds it from the stack's
 * FlowSecretArns output (as `ivr webhooks register` finds its things) and stores a new value. The value is read
 * from standard input, never from an argument: arguments end up in shell history and process listings.
 */

import { explainAwsError } from "../../deploy/aws-errors.js";
import { DEFAULT_STACK_NAME, describeStackOutputs, OUTPUT, type StackOutputs } from "../../deploy/stack-outputs.js";
import { type OptionValues, parseCommandLine, suggestion, usageError } from "../args.js";
import { STACK_OPTIONS, stackOutputsOf } from "../stack-outputs.js";

const USAGE = `usage: ivr secrets <set|list> [name] [options]

  set <name>    store a new value for a flow secret, read from standard input, e.g.
                  printf %s "$BANK_TOKEN" | npx ivr secrets set bankToken
                  npx ivr secrets set bankToken < bank-token.txt
  list          the flow secrets of the deployed stack, with their Secrets Manager ARNs (never values)

options:
  --stack <name>            CloudFormation stack (default ${DEFAULT_STACK_NAME})
  --region <region>         its region (default: the AWS SDK's)
  --stack-outputs <file>    read outputs from \`cdk deploy --outputs-file <file>\` instead of CloudFormation
  --secret-arn <arn>        set: the secret to write, instead of looking it up in the stack outputs

The VCA function caches a value for up to 5 minutes: a new one is in use within that (docs/integration.md).
Locally, secrets come from CALLFLOW_SECRET_<name> instead.
`;

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface SecretsDeps {
  out: (text: string) => void;
  err: (text: string) => void;
  /** all of standard input */
  readStdin: () => Promise<string>;
  stackOutputs: (stackName: string, region?: string) => Promise<StackOutputs>;
  /** stores a new value; resolves with the new version id */
  putSecretValue: (arn: string, value: string, region?: string) => Promise<string | undefined>;
}

const defaultDeps = (): SecretsDeps => ({
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin: async () => {
    if (process.stdin.isTTY) process.stderr.write("type the value, then Enter and Ctrl-D:\n");
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  stackOutputs: describeStackOutputs,
  putSecretValue: async (arn, value, region) => {
    const sdk = await import("@aws-sdk/client-secrets-manager");
    const client = new sdk.SecretsManagerClient(region ? { region } : {});
    try {
      const result = await client.send(new sdk.PutSecretValueCommand({ SecretId: arn, SecretString: value }));
      return result.VersionId;
    } finally {
      client.destroy();
    }
  },
});

const COMMAND = {
  name: "secrets",
  usage: USAGE,
  options: { ...STACK_OPTIONS, "secret-arn": { type: "string" } },
  positionals: { min: 1, what: "argument" },
} as const;

type Values = OptionValues<typeof COMMAND.options>;

export async function run(argv: string[], deps: SecretsDeps = defaultDeps()): Promise<number> {
  const args = parseCommandLine(COMMAND, argv, deps);
  if (!args.ok) return args.exit;
  const { values } = args;
  const [action = "", name, ...extra] = args.positionals;
  if (action !== "list" && action !== "set") {
    return usageError(COMMAND, `unknown action '${action}'${suggestion(action, ["set", "list"])}`, deps);
  }
  try {
    if (action === "list") return await list(values, deps);
    if (extra.length > 0) {
      deps.err(
        "ivr secrets set: the value is read from standard input, never from an argument (arguments stay in shell history)\n",
      );
      return 2;
    }
    if (!name || !NAME.test(name)) {
      deps.err(`ivr secrets set: expected a secret name (letters, digits, _), got '${name ?? ""}'\n\n${USAGE}`);
      return 2;
    }
    return await set(name, values, deps);
  } catch (error) {
    deps.err(`ivr secrets: ${explainAwsError(error)}\n`);
    return 1;
  }
}

async function secretArns(values: Values, deps: SecretsDeps): Promise<Record<string, string>> {
  const outputs = await stackOutputsOf(values, deps.stackOutputs);
  const json = outputs[OUTPUT.flowSecretArns];
  if (!json)
    throw new Error(`the stack has no ${OUTPUT.flowSecretArns} output: deploy this version, or pass --secret-arn`);
  return JSON.parse(json) as Record<string, string>;
}

async function set(name: string, values: Values, deps: SecretsDeps): Promise<number> {
  let arn = values["secret-arn"];
  if (!arn) {
    const arns = await secretArns(values, deps);
    arn = arns[name];
    if (!arn) {
      const known = Object.keys(arns).sort().join(", ") || "none";
      throw new Error(`no deployed flow uses a secret named '${name}' (flow secrets: ${known})`);
    }
  }
  // One trailing newline is how `echo` and editors end a file; anything else is part of the value.
  const value = (await deps.readStdin()).replace(/\r?\n$/, "");
  if (value === "") throw new Error("no value on standard input: nothing stored");
  if (/[\r\n]/.test(value)) throw new Error("the value has a line break inside: an HTTP header cannot carry it");
  const version = await deps.putSecretValue(arn, value, values.region);
  deps.out(
    `${name}: new value stored${version ? ` (version ${version})` : ""}; the VCA function uses it within 5 minutes\n`,
  );
  return 0;
}

async function list(values: Values, deps: SecretsDeps): Promise<number> {
  const arns = await secretArns(values, deps);
  const names = Object.keys(arns).sort();
  if (names.length === 0) deps.out("the deployed flows use no secrets\n");
  for (const name of names) deps.out(`${name.padEnd(24)} ${arns[name]}\n`);
  return 0;
}
