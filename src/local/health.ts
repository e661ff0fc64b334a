/**
 * GET /health on the local stack: ok only when the store answers. A read of a key nobody uses, with a short budget
 * of its own, so a hung or dead DynamoDB Local shows within half a second instead of "ok" forever.
 */
import type { SessionStore } from "../store/ports.js";

export const HEALTH_STORE_TIMEOUT_MS = 500;

export async function storeHealth(sessions: SessionStore): Promise<"ok" | "unreachable"> {
  try {
    await sessions.get("callflow-health-check", new Date(), { signal: AbortSignal.timeout(HEALTH_STORE_TIMEOUT_MS) });
    return "ok";
  } catch {
    return "unreachable";
  }
}
