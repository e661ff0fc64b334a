/** The studio's HTTP API, typed (the types are shared with the server; nothing else is). */
import type { CallView, CoverageOverlay, FlowDetail, FlowList, PlaceCallRequest, TrafficOverlay } from "../protocol.js";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/studio/api/${path}`, {
    method,
    ...(method === "POST" && { headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) }),
  });
  const data = (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as T & { error?: string };
  if (!res.ok) throw new ApiError(data.error ?? `HTTP ${res.status}`, res.status);
  return data;
}

const flow = (id: string) => `flows/${encodeURIComponent(id)}`;
const aCall = (id: string) => `calls/${encodeURIComponent(id)}`;

export const api = {
  flows: () => call<FlowList>("GET", "flows"),
  flow: (id: string) => call<FlowDetail>("GET", flow(id)),
  coverage: (id: string) => call<CoverageOverlay>("POST", `${flow(id)}/coverage`),
  traffic: (id: string) => call<TrafficOverlay>("GET", `${flow(id)}/traffic`),
  placeCall: (request: PlaceCallRequest) => call<CallView>("POST", "calls", request),
  press: (id: string, keys: string) => call<CallView>("POST", `${aCall(id)}/keys`, { keys }),
  silence: (id: string) => call<CallView>("POST", `${aCall(id)}/silence`),
  hangup: (id: string) => call<CallView>("POST", `${aCall(id)}/hangup`),
};
