/**
 * Secrets a flow's service headers use (`{{secrets.NAME}}`): a port with two adapters.
 *
 * - `envSecrets`: `CALLFLOW_SECRET_<name>` (local runs, tests, `ivr call` / `ivr replay`).
 * - `secretsManagerSecrets`: deployed, the stack creates one Secrets Manager secret per name and hands the
 *   function its ARN in `CALLFLOW_SECRET_ARN_<name>`. Values are cached per container (Powertools Parameters,
 *   `maxAge`), refreshed when the cache expires; if a refresh fails, the last value read keeps working.
 *
 * A value is never logged, stored or returned anywhere but into the header that needs it.
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export interface SecretSource {
  /** the value, or undefined when the secret is not set (or cannot be read and was never read before) */
  get(name: string): Promise<string | undefined>;
}

export const SECRET_ENV_PREFIX = "CALLFLOW_SECRET_";
export const SECRET_ARN_ENV_PREFIX = "CALLFLOW_SECRET_ARN_";

export const secretEnvVar = (name: string): string => `${SECRET_ENV_PREFIX}${name}`;
export const secretArnEnvVar = (name: string): string => `${SECRET_ARN_ENV_PREFIX}${name}`;

/** How long a deployed secret's value is cached before it is read again (a rotation is seen within this). */
export const SECRET_MAX_AGE_SECONDS = 300;

export function envSecrets(env: Readonly<Record<string, string | undefined>> = process.env): SecretSource {
  return {
    async get(name) {
      const value = env[secretEnvVar(name)];
      return value === undefined || value === "" ? undefined : value;
    },
  };
}

/** Reads a secret's current value by ARN (the Powertools provider in the Lambda, a fake in tests). */
export type SecretReader = (arn: string, options: { maxAge: number }) => Promise<string | undefined>;

export function secretsManagerSecrets(
  env: Readonly<Record<string, string | undefined>>,
  read: SecretReader,
  onReadError: (name: string, err: unknown) => void = () => undefined,
): SecretSource {
  const last = new Map<string, string>();
  return {
    async get(name) {
      const arn = env[secretArnEnvVar(name)];
      if (!arn) return undefined;
      try {
        const value = await read(arn, { maxAge: SECRET_MAX_AGE_SECONDS });
        if (value === undefined || value === "") return last.get(name);
        last.set(name, value);
        return value;
      } catch (err) {
        onReadError(name, err);
        return last.get(name);
      }
    },
  };
}

/** The first source that has a value wins: an explicit `CALLFLOW_SECRET_<name>` overrides the deployed one. */
export function firstOf(...sources: SecretSource[]): SecretSource {
  return {
    async get(name) {
      for (const source of sources) {
        const value = await source.get(name);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  };
}

/**
 * The Powertools Parameters provider over one Secrets Manager client, loaded on first use so a flow without
 * secrets never pays for it. The client's timeouts keep a slow Secrets Manager inside the fetch's deadline.
 */
export function powertoolsSecretReader(client?: () => SecretsManagerClient): SecretReader {
  let provider: Promise<{ get(arn: string, options: { maxAge: number }): Promise<unknown> }> | undefined;
  return async (arn, options) => {
    provider ??= (async () => {
      const { SecretsProvider } = await import("@aws-lambda-powertools/parameters/secrets");
      return new SecretsProvider(client ? { awsSdkV3Client: client() } : {});
    })();
    const value = await (await provider).get(arn, options);
    return typeof value === "string" ? value : undefined;
  };
}
