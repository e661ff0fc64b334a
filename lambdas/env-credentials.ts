/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set in
 * cdk/callflow-function.ts; nothing imports this file directly): the SDK's own environment provider, `fromEnv`.
 *
 * Lambda always hands a function its role's credentials in the environment, the first link of the SDK's default
 * chain. The rest of that chain (SSO, INI profiles, credential_process, web identity, container and instance
 * metadata, with the STS/SSO/sign-in clients they bring) can never be reached in Lambda, but it is more than a
 * third of the bundle: about 135 KB of the VCA function's, parsed on every cold start. Off Lambda (local stack,
 * tests, the CLI) the real chain is used, because only the bundles are aliased.
 */
export { fromEnv as defaultProvider } from "@aws-sdk/credential-provider-env";
