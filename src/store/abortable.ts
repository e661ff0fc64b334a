/**
 * DynamoDB requests bounded by the caller's AbortSignal (the VCA event's deadline). The SDK checks the signal
 * before each attempt and cancels an attempt in flight, but not its backoff between retries: racing the signal
 * makes an aborted call reject at once, whatever the SDK is doing.
 */
import type { StoreCallOptions } from "./ports.js";

/** The error an aborted store call rejects with (name "AbortError", like fetch's). */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== "AbortError") {
    return Object.assign(new Error(`store call aborted: ${reason.name}`), { name: "AbortError", cause: reason });
  }
  return reason instanceof Error ? reason : Object.assign(new Error("store call aborted"), { name: "AbortError" });
}

/**
 * Run one SDK call (`call` gets the options to pass to `client.send`) bounded by `options.signal`.
 * e.g. `await bounded(options, (http) => client.send(new GetCommand(...), http))`.
 */
export async function bounded<T>(
  options: StoreCallOptions | undefined,
  call: (http: { abortSignal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  const signal = options?.signal;
  if (!signal) return call({});
  if (signal.aborted) throw abortError(signal);
  const sent = call({ abortSignal: signal });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  sent.catch(() => {}); // settled after an abort: nobody is waiting any more
  try {
    return await Promise.race([sent, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
