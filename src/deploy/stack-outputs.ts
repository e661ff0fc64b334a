/**
 * The stack's outputs, by name: written by cdk/stack.ts, read by `ivr webhooks` and `ivr dial`. Sources, most
 * explicit first: flags, a `cdk deploy --outputs-file` JSON, then CloudFormation DescribeStacks.
 */
import { readFileSync } from "node:fs";

export const OUTPUT = {
  vcaUrl: "VcaUrl",
  vssUrl: "VssUrl",
  webhookSecretArn: "WebhookSecretArn",
  sessionsTable: "SessionsTableName",
  flowVersionsTable: "FlowVersionsTableName",
  /** analytics (cdk/analytics.ts): read by `ivr report` */
  summariesTable: "SummariesTableName",
  /** the deployed flow ids, comma-separated: the flows `ivr report` covers by default */
  flowIds: "FlowIds",
  /** the EventBridge bus the Call Completed events go to */
  eventBusName: "CallEventBusName",
  /** JSON: flow secret name -> Secrets Manager ARN */
  flowSecretArns: "FlowSecretArns",
  campaignsTable: "CampaignsTableName",
  contactsTable: "ContactsTableName",
} as const;

export type StackOutputs = Partial<Record<(typeof OUTPUT)[keyof typeof OUTPUT], string>>;

export const DEFAULT_STACK_NAME = "Callflow";

/** `cdk deploy --outputs-file cdk-outputs.json` writes `{ "<stack>": { "<output>": "<value>" } }`. */
export function readOutputsFile(file: string, stackName = DEFAULT_STACK_NAME): StackOutputs {
  const all = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string>>;
  const outputs = all[stackName] ?? (Object.keys(all).length === 1 ? Object.values(all)[0] : undefined);
  if (!outputs) {
    throw new Error(
      `${file} has no outputs for stack "${stackName}" (stacks: ${Object.keys(all).join(", ") || "none"})`,
    );
  }
  return outputs;
}

/**
 * DescribeStacks through @aws-sdk/client-cloudformation, loaded on demand so the CLI works without it (pass
 * --stack-outputs or the URLs instead).
 */
export async function describeStackOutputs(stackName: string, region?: string): Promise<StackOutputs> {
  let sdk: typeof import("@aws-sdk/client-cloudformation");
  try {
    sdk = await import("@aws-sdk/client-cloudformation");
  } catch {
    throw new Error(
      "@aws-sdk/client-cloudformation is not installed: pass --stack-outputs cdk-outputs.json (from `cdk deploy " +
        "--outputs-file cdk-outputs.json`) or the values as flags",
    );
  }
  const client = new sdk.CloudFormationClient(region ? { region } : {});
  try {
    const { Stacks } = await client.send(new sdk.DescribeStacksCommand({ StackName: stackName }));
    const outputs: StackOutputs = {};
    for (const output of Stacks?.[0]?.Outputs ?? []) {
      if (output.OutputKey && output.OutputValue)
        (outputs as Record<string, string>)[output.OutputKey] = output.OutputValue;
    }
    return outputs;
  } finally {
    client.destroy();
  }
}
