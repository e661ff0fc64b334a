/**
 * Authenticating 8x8: the webhook's `httpAuthHeader` value comes back verbatim with every delivery (as the
 * Authorization header by default; 8x8's voice docs do not name the header, so WEBHOOK_AUTH_HEADER overrides it).
 * Two values are accepted so the secret can be rotated without dropping calls: `current` and `previous`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { errorFields, type Logger } from "../observability/logger.js";

export const DEFAULT_AUTH_HEADER = "authorization";
/** cached secret values are refreshed this often */
export const SECRET_REFRESH_MS = 5 * 60 * 1000;
/** after a mismatch, the secret is re-read at most this often (a rotation is picked up within this delay) */
export const MISMATCH_REFETCH_MS = 30 * 1000;

export interface WebhookSecret {
  current: string;
  previous?: string;
}

/** Where the secret comes from: Secrets Manager when deployed, an environment variable locally. */
export type SecretLoader = () => Promise<WebhookSecret>;

/** A SecretString is JSON `{ "current": "...", "previous": "..." }`; a bare string is taken as `current`. */
export function parseSecretString(text: string): WebhookSecret {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    const parsed = JSON.parse(trimmed) as Partial<Record<"current" | "previous", unknown>>;
    if (typeof parsed.current !== "string" || parsed.current === "") {
      throw new Error('webhook secret JSON needs a non-empty "current" string');
    }
    return {
      current: parsed.current,
      ...(typeof parsed.previous === "string" && parsed.previous !== "" && { previous: parsed.previous }),
    };
  }
  if (trimmed === "") throw new Error("webhook secret is empty");
  return { current: text };
}

export interface AuthenticatorOptions {
  /** undefined: authentication is off (local development); a warning is logged once */
  loader?: SecretLoader;
  header?: string;
  logger: Logger;
  /** milliseconds clock, for tests */
  clock?: () => number;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

export class WebhookAuthenticator {
  readonly header: string;
  private digests: Buffer[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private warned = false;
  private readonly clock: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.header = (options.header ?? DEFAULT_AUTH_HEADER).toLowerCase();
    this.clock = options.clock ?? Date.now;
    // Said once, when the handlers are built (npm start, a Lambda's init), not on some later request.
    if (!options.loader) this.warnAuthenticationOff();
  }

  private warnAuthenticationOff(): void {
    if (this.warned) return;
    this.warned = true;
    this.options.logger.warn("Webhook authentication is OFF: set WEBHOOK_SECRET_ARN or WEBHOOK_SECRET");
  }

  /** Is this request from 8x8? Never throws: a secret that cannot be read means "no". */
  async isAuthorised(headers: Record<string, string | undefined> | null | undefined): Promise<boolean> {
    if (!this.options.loader) return true;
    const presented = headerValue(headers, this.header);
    if (presented === undefined || presented === "") return false;
    const presentedDigest = digest(presented);

    try {
      if (this.clock() - this.fetchedAt >= SECRET_REFRESH_MS) await this.refresh();
      if (this.matches(presentedDigest)) return true;
      // Perhaps the secret was rotated since we cached it: look again, but not on every bad request.
      if (this.clock() - this.fetchedAt >= MISMATCH_REFETCH_MS) {
        await this.refresh();
        return this.matches(presentedDigest);
      }
      return false;
    } catch (err) {
      this.options.logger.error(
        "Could not read the webhook secret; only cached values (if any) are accepted",
        errorFields(err),
      );
      return this.matches(presentedDigest);
    }
  }

  /** Compare against every accepted value, without short-circuiting, in constant time per value. */
  private matches(presented: Buffer): boolean {
    let ok = false;
    for (const accepted of this.digests) ok = timingSafeEqual(presented, accepted) || ok;
    return ok;
  }

  private refresh(): Promise<void> {
    // Concurrent requests share one fetch.
    this.inflight ??= (async () => {
      try {
        const loader = this.options.loader as SecretLoader;
        const secret = await loader();
        this.digests = [secret.current, secret.previous]
          .filter((v): v is string => typeof v === "string" && v !== "")
          .map(digest);
      } finally {
        // Counted even on failure, so an unreadable secret is not re-fetched on every request.
        this.fetchedAt = this.clock();
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }
}

function headerValue(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

export interface AuthEnvironment {
  WEBHOOK_SECRET_ARN?: string;
  WEBHOOK_SECRET?: string;
  WEBHOOK_AUTH_HEADER?: string;
}

/**
 * The authenticator the environment asks for. `fetchSecretString` reads a Secrets Manager secret by ARN; it is
 * passed in so this module does not pull the AWS SDK into code that does not need it.
 */
export function authenticatorFromEnv(
  env: AuthEnvironment,
  logger: Logger,
  fetchSecretString?: (arn: string) => Promise<string>,
): WebhookAuthenticator {
  let loader: SecretLoader | undefined;
  const arn = env.WEBHOOK_SECRET_ARN;
  const local = env.WEBHOOK_SECRET;
  if (arn) {
    if (!fetchSecretString) throw new Error("WEBHOOK_SECRET_ARN is set but no Secrets Manager reader was given");
    loader = async () => parseSecretString(await fetchSecretString(arn));
  } else if (local) {
    const secret = parseSecretString(local);
    loader = async () => secret;
  }
  return new WebhookAuthenticator({
    logger,
    ...(loader && { loader }),
    ...(env.WEBHOOK_AUTH_HEADER && { header: env.WEBHOOK_AUTH_HEADER }),
  });
}
