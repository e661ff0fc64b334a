/**
 * Which store failures are worth a retry: the answer to a webhook that could not be stored depends on it (503 for
 * a condition that passes, never for one that does not). Told apart by the error's name, so the domain and the
 * handlers need no AWS types.
 */

/** Failures of our own setup or of the request itself: retrying the same request cannot succeed. */
const PERMANENT = new Set([
  "ValidationException",
  "ResourceNotFoundException",
  "AccessDeniedException",
  "UnrecognizedClientException",
  "SerializationException",
  "ItemCollectionSizeLimitExceededException",
]);

/** True unless the failure is one that the same request will meet again (throttling, timeouts, network: true). */
export function isTransientStoreError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (PERMANENT.has(err.name)) return false;
  // Errors of our own code (a TypeError, a RangeError) are bugs, not weather.
  return !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError);
}
