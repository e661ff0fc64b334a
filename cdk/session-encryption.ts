/**
 * Sensitive session variables at rest (issue #10): a customer-managed KMS key whose data keys encrypt the values of
 * `sensitive` asks, fetches and inputs in the sessions table while a call lasts (src/store/var-encryption.ts). Only
 * the VCA function uses it (the VSS only ever shows those variables masked), and only with the session context.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { SESSION_KEY_CONTEXT, SESSION_KEY_ENV } from "../src/store/kms-keyring.js";
import type { CallflowFunction } from "./callflow-function.js";

export interface SessionEncryptionProps {
  /** the functions that seal and open sensitive variables (the VCA) */
  users: readonly CallflowFunction[];
}

export class SessionEncryption extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: SessionEncryptionProps) {
    super(scope, id);
    this.key = new Key(this, "Key", {
      description: "callflow: data keys for sensitive session variables (sessions live hours)",
      enableKeyRotation: true,
      // Sessions expire in hours: nothing that outlives the stack needs this key.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    for (const fn of props.users) this.use(fn);
  }

  /** Let `fn` seal and open sensitive session variables: the key's id in its environment, the two KMS actions. */
  use(fn: CallflowFunction): void {
    fn.addEnvironment(SESSION_KEY_ENV, this.key.keyArn);
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { "kms:EncryptionContext:purpose": SESSION_KEY_CONTEXT.purpose } },
      }),
    );
  }
}
