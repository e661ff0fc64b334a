/**
 * A real HTTP service on loopback for fetch tests: routes are plain functions, every request is recorded (method,
 * path, headers, body), and the faults a business back end can have are one route away (a hang, a trickle, a
 * 10 MB body, a redirect). Nothing leaves 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  /** path and query as received */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Route = (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>;

export interface LoopbackService {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** requests received for a path (query ignored) */
  count(path: string): number;
  close(): Promise<void>;
}

export async function startLoopbackService(routes: Record<string, Route>): Promise<LoopbackService> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request: ReceivedRequest = {
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(request);
      const path = new URL(request.url, "http://x").pathname;
      const route =
        routes[path] ?? Object.entries(routes).find(([p]) => p.endsWith("*") && path.startsWith(p.slice(0, -1)))?.[1];
      if (!route) {
        json(res, 404, { error: "no such route" });
        return;
      }
      Promise.resolve(route(request, res)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    count: (path) => received.filter((r) => new URL(r.url, "http://x").pathname === path).length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A port nothing listens on (bound, then released): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
