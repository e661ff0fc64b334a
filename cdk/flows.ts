/**
 * Flows at deploy time: compiled at synth (a checker error fails `cdk synth` with the same positioned messages
 * as `ivr validate`), bundled into the Lambdas as generated/flows.json, and every compiled version written to the
 * flowVersions table so sessions pinned to an older version keep running after an update.
 */
import { marshall } from "@aws-sdk/util-dynamodb";
import { Stack, Validations } from "aws-cdk-lib";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { AwsCustomResource, AwsCustomResourcePolicy, Logging, PhysicalResourceId } from "aws-cdk-lib/custom-resources";
import { Construct } from "constructs";
import type { CompiledMachine } from "../src/engine/machine.js";
import { compileFlowsDir } from "../src/language/build.js";
import { flowVersionItem } from "../src/store/flow-version-item.js";

export class FlowCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlowCompileError";
  }
}

/** Compile every flow in `dir`; throws with the formatted diagnostics (file:line:col, caret, hint) on any error. */
export function compileFlowsForDeploy(dir: string): CompiledMachine[] {
  const flows = compileFlowsDir(dir);
  if (flows.files.length === 0) throw new FlowCompileError(`no flows found in ${dir}/ (expected *.yaml flow files)`);
  if (flows.errorCount > 0) {
    throw new FlowCompileError(`${flows.report}\n\n${flows.summary}: fix the flows before deploying`);
  }
  return flows.machines;
}

export interface FlowVersionsProps {
  table: ITableV2;
  machines: CompiledMachine[];
  /** ISO time written as storedAt of versions first stored by this deployment */
  storedAt: string;
}

/**
 * One custom resource per flow version (physical id `flow@version`): a new version is a new resource, so it is
 * written once on create; an update re-puts it only if it is missing. Nothing is ever deleted: a removed flow's
 * versions stay readable for sessions still pinned to them (and the table is retained anyway).
 */
export class FlowVersions extends Construct {
  readonly resources: AwsCustomResource[] = [];

  constructor(scope: Construct, id: string, props: FlowVersionsProps) {
    super(scope, id);
    // Least privilege: PutItem on this one table, nothing else.
    const policy = AwsCustomResourcePolicy.fromStatements([
      new PolicyStatement({ actions: ["dynamodb:PutItem"], resources: [props.table.tableArn] }),
    ]);
    for (const machine of props.machines) {
      const put = {
        service: "DynamoDB",
        action: "putItem",
        parameters: {
          TableName: props.table.tableName,
          // the store adapter's own item (src/store/flow-version-item.ts), as AttributeValues
          Item: marshall(flowVersionItem(machine, props.storedAt)),
          // A version is immutable: the first write wins, and a re-put never changes storedAt.
          ConditionExpression: "attribute_not_exists(#version)",
          ExpressionAttributeNames: { "#version": "version" },
        },
        physicalResourceId: PhysicalResourceId.of(`${machine.flow}@${machine.version}`),
        ignoreErrorCodesMatching: "ConditionalCheckFailedException",
        // The machine is not secret, but it is large: keep it out of the provider's logs.
        logging: Logging.withDataHidden(),
      };
      this.resources.push(
        new AwsCustomResource(this, `${machine.flow}-${machine.version}`, {
          onCreate: put,
          onUpdate: put,
          policy,
          // Offline, reproducible deploys: use the SDK in the Lambda runtime instead of downloading one.
          installLatestAwsSdk: false,
          memorySize: 256,
        }),
      );
    }
    acknowledgeProvider(this);
  }
}

/** The AwsCustomResource provider is one singleton Lambda per stack, created by CDK: acknowledge its findings. */
function acknowledgeProvider(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll("-", ""));
  const singleton =
    provider ?? Stack.of(scope).node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll("-", "")}`);
  if (!singleton) return;
  Validations.of(singleton).acknowledge(
    {
      id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "CDK's AwsCustomResource provider: the AWS-managed basic execution policy only lets it write its own logs.",
    },
    {
      id: "Serverless-LambdaDLQ",
      reason:
        "Invoked synchronously by CloudFormation, which reports a failure as a failed deployment; no DLQ applies.",
    },
    {
      id: "Serverless-LambdaTracing",
      reason: "A deploy-time helper that runs one PutItem per new flow version; tracing would add nothing.",
    },
  );
}
