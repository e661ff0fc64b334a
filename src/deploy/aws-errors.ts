/**
 * The AWS SDK's errors, said for the person running `ivr webhooks`, `ivr dial`, `ivr secrets` or `ivr campaign`
 * against a deployed stack: what is
 * missing, and what to set. "Region is missing" and "Could not load credentials from any providers" are true, but
 * they do not say which region, whose credentials, or that a file of stack outputs would do instead.
 */

/** A sentence for `err` when it is one of the AWS SDK's well-known failures, else its own message. */
export function explainAwsError(err: unknown): string {
  const name = err instanceof Error ? err.name : "";
  const message = err instanceof Error ? err.message : String(err);
  if (/region is missing/i.test(message)) {
    return (
      "no AWS region: set AWS_REGION (e.g. export AWS_REGION=ap-southeast-1, where the stack is deployed), use a " +
      "profile that has one (AWS_PROFILE), or pass --region"
    );
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return (
      "no AWS credentials: sign in as you do for `cdk deploy` (aws configure, aws sso login, AWS_PROFILE, or " +
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account the stack is in"
    );
  }
  if (/ExpiredToken|token included in the request is expired|token has expired/i.test(`${name} ${message}`)) {
    return "the AWS credentials have expired: sign in again (e.g. aws sso login) and retry";
  }
  const missingStack = /Stack with id (\S+) does not exist/.exec(message);
  if (missingStack) {
    return (
      `no stack ${missingStack[1]} in this account and region: deploy it (npx cdk deploy), name yours with --stack, ` +
      "set its --region, or pass --stack-outputs cdk-outputs.json (from cdk deploy --outputs-file)"
    );
  }
  if (/AccessDenied|UnauthorizedOperation|not authorized to perform/i.test(`${name} ${message}`)) {
    return `AWS refused the request with these credentials: ${message}`;
  }
  if (name === "ResourceNotFoundException") {
    return (
      `${message}: the table or secret named by the stack outputs (or SESSIONS_TABLE / FLOW_VERSIONS_TABLE) is not ` +
      "in this account and region; check --region and the stack"
    );
  }
  return message;
}
