/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set in
 * cdk/callflow-function.ts; nothing imports this file directly).
 *
 * Lambda always hands a function its role's credentials in the environment, and the SDK's default chain takes them
 * from there first. The rest of that chain (SSO, INI profiles, credential_process, web identity, container and
 * instance metadata, with the STS/SSO/sign-in clients they bring) can never be reached in Lambda, but it is more
 * than a third of the bundle: about 135 KB of the VCA function's, parsed on every cold start. Off Lambda (local
 * stack, tests, the CLI) the real chain is used, because only the bundles are aliased.
 */

/** The SDK's AwsCredentialIdentity, as far as the environment fills it (declared here: @aws-sdk/types is not a direct dependency). */
export interface EnvCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Same shape as the SDK's `defaultProvider(init)`; `init` (profile, SSO settings, ...) has nothing to say here. */
export function defaultProvider(_init: unknown = {}): () => Promise<EnvCredentials> {
  return async () => credentialsFromEnv(process.env);
}

export function credentialsFromEnv(env: NodeJS.ProcessEnv): EnvCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "no AWS credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): this bundle only reads " +
        "the credentials Lambda provides",
    );
  }
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN && { sessionToken: env.AWS_SESSION_TOKEN }),
    ...(expiration && !Number.isNaN(expiration.getTime()) && { expiration }),
  };
}

/** The SDK's own helpers, re-exported under the same names in case anything bundled imports them. */
export const credentialsWillNeedRefresh = (credentials?: EnvCredentials): boolean =>
  credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials?: EnvCredentials): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
