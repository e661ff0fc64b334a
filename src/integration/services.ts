/**
 * Where a flow's service lives. The flow declares a base URL; it can be replaced without editing the flow by the
 * environment variable `CALLFLOW_SERVICE_URL_<service>` (set by hand locally, by `npm start` for the example back
 * end, and by the stack from the `serviceUrls` CDK context when deployed). Either way the URL must be https, or
 * http to a loopback host, and carry no query or fragment: requests go to declared hosts only.
 */
import type { CompiledService } from "../engine/machine.js";

export const SERVICE_URL_ENV_PREFIX = "CALLFLOW_SERVICE_URL_";

export function serviceUrlEnvVar(service: string): string {
  return `${SERVICE_URL_ENV_PREFIX}${service}`;
}

/** A base URL that cannot be used; the message names the service and the rule, never a secret. */
export class ServiceConfigError extends Error {
  override readonly name = "ServiceConfigError";
}

/** The base URL in effect for a service: the environment override, else the flow's. */
export function baseUrlOf(
  service: string,
  declared: CompiledService | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const override = env[serviceUrlEnvVar(service)];
  if (override !== undefined && override.trim() !== "") return override.trim();
  if (!declared) throw new ServiceConfigError(`service ${service} is not declared by the flow`);
  return declared.url;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}

const parsed = new Map<string, URL>();

/** A checked base URL (cached: the same few strings come back on every request). */
export function checkedBaseUrl(service: string, base: string): URL {
  const cached = parsed.get(base);
  if (cached) return cached;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ServiceConfigError(`service ${service}: its base URL is not a URL`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new ServiceConfigError(`service ${service}: its base URL must be https (or http to a loopback host)`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new ServiceConfigError(`service ${service}: its base URL may not carry a query, fragment or credentials`);
  }
  if (parsed.size > 1000) parsed.clear();
  parsed.set(base, url);
  return url;
}

/**
 * Base URL + rendered path (variables already percent-encoded by the engine) + query. The result must stay on
 * the base URL's origin, whatever the values were.
 */
export function requestUrl(service: string, base: string, path: string, query: readonly [string, string][]): URL {
  const root = checkedBaseUrl(service, base);
  const prefix = root.href.replace(/\/+$/, "");
  const url = new URL(prefix + (path.startsWith("/") ? path : `/${path}`));
  if (url.origin !== root.origin) throw new ServiceConfigError(`service ${service}: the path leaves its host`);
  for (const [name, value] of query) url.searchParams.append(name, value);
  return url;
}
