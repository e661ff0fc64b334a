/**
 * Finding and talking to a running `npm start` from the CLI (`ivr replay`, `ivr call`): where its DynamoDB Local
 * is, and posting a session summary to its /vss as 8x8 would (with the webhook secret when it checks one).
 */
export const DEFAULT_LOCAL_URL = "http://localhost:3000";

export interface FoundServer {
  url: string;
  dynamodb: string;
}

/** The local server at `url` (default http://localhost:3000), or undefined when none answers quickly. */
export async function findLocalServer(url = DEFAULT_LOCAL_URL, timeoutMs = 500): Promise<FoundServer | undefined> {
  try {
    const res = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const health = (await res.json()) as { ok?: unknown; dynamodb?: unknown };
    return health.ok === true && typeof health.dynamodb === "string" ? { url, dynamodb: health.dynamodb } : undefined;
  } catch {
    return undefined;
  }
}

export async function postSummary(url: string, body: unknown, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const secret = env.WEBHOOK_SECRET;
  const header = env.WEBHOOK_AUTH_HEADER ?? "authorization";
  const res = await fetch(new URL("/vss", url), {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret ? { [header]: secret } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST ${url}/vss answered HTTP ${res.status}: ${await res.text()}`);
}
