/** The options every command that reads the deployed stack's outputs takes, and reading them. */
import {
  DEFAULT_STACK_NAME,
  describeStackOutputs,
  readOutputsFile,
  type StackOutputs,
} from "../deploy/stack-outputs.js";

/** `--stack`, `--region`, `--stack-outputs` for node:util parseArgs. */
export const STACK_OPTIONS = {
  stack: { type: "string" },
  region: { type: "string" },
  "stack-outputs": { type: "string" },
} as const;

export interface StackValues {
  stack?: string;
  region?: string;
  "stack-outputs"?: string;
}

/** From `cdk deploy --outputs-file` when given, else CloudFormation (DescribeStacks). */
export function stackOutputsOf(
  values: StackValues,
  describe: (stackName: string, region?: string) => Promise<StackOutputs> = describeStackOutputs,
): Promise<StackOutputs> {
  const stack = values.stack ?? DEFAULT_STACK_NAME;
  const file = values["stack-outputs"];
  return file ? Promise.resolve(readOutputsFile(file, stack)) : describe(stack, values.region);
}
