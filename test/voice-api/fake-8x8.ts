/**
 * A local fake of 8x8's Voice API on 127.0.0.1: records every request and answers from a script (per
 * "METHOD path", first scripted answer first; the default is 8x8's documented success body).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface ScriptedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** wait this long before answering (timeouts) */
  delayMs?: number;
}

export class Fake8x8 {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, ScriptedAnswer[]>();
  private server: Server | undefined;
  baseUrl = "";

  /** Queue answers for "POST /api/v1/subaccounts/acme/callflows" etc. */
  script(route: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(route, [...(this.scripts.get(route) ?? []), ...answers]);
  }

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      const method = req.method ?? "GET";
      this.requests.push({ method, path, headers: req.headers, body: text === "" ? undefined : JSON.parse(text) });
      const answer = this.scripts.get(`${method} ${path}`)?.shift() ?? defaultAnswer(method, path);
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      res.writeHead(answer.status, { "Content-Type": "application/json", ...answer.headers });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

let sessionCounter = 0;

function defaultAnswer(method: string, path: string): ScriptedAnswer {
  const account = /\/subaccounts\/([^/]+)/.exec(path)?.[1] ?? "unknown";
  if (path.endsWith("/callflows") && method === "POST") {
    sessionCounter++;
    return {
      status: 200,
      body: {
        sessionId: `fake-session-${Date.now()}-${sessionCounter}`,
        sessionStatus: "CREATED",
        callFlowRequestId: `fake-request-${sessionCounter}`,
        statusCode: 1,
        statusMessage: "Created",
      },
    };
  }
  if (path.endsWith("/webhooks")) {
    return { status: 200, body: { subAccountId: account, count: 0, webhooks: [], statusCode: 0, statusMessage: "ok" } };
  }
  if (method === "DELETE" && path.includes("/webhooks/")) {
    const type = path.split("/").pop();
    return {
      status: 200,
      body: { subAccountId: account, type, enabled: false, statusCode: 0, statusMessage: "deleted" },
    };
  }
  return { status: 404, body: { statusCode: "404", statusMessage: "Resource not found" } };
}
