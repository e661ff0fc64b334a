/**
 * An HTTP proxy in front of DynamoDB Local that misbehaves on request: each request is forwarded, dropped (never
 * answered: a hung DynamoDB) or held (not answered now, and forwarded later by `release()`: a write that lands
 * after its client gave up, as when a paused DynamoDB Local resumes). Faults at the HTTP level, so the real SDK
 * timeouts, retries and aborts run.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What to do with one request: `operation` is the DynamoDB API name (GetItem, PutItem, UpdateItem, ...). */
export type Verdict = "forward" | "drop" | "hold";
export type Rule = (operation: string, body: string) => Verdict;

export interface FaultyProxy {
  url: string;
  /** replace the rule for the requests that come next */
  rule: Rule;
  /** how many requests of each operation arrived (forwarded or not) */
  seen: Record<string, number>;
  /** forward every held request now, in arrival order; resolves once DynamoDB answered them all */
  release(): Promise<void>;
  held(): number;
  close(): Promise<void>;
}

export async function faultyProxy(target: string, rule: Rule = () => "forward"): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const held: { req: IncomingMessage; body: Buffer }[] = [];
  const seen: Record<string, number> = {};
  const forward = (req: IncomingMessage, body: Buffer, res?: ServerResponse) =>
    new Promise<void>((resolve) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          if (res && !res.destroyed) {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          } else answer.resume();
          answer.on("end", resolve);
          answer.on("error", () => resolve());
        },
      );
      out.on("error", () => {
        res?.destroy();
        resolve();
      });
      out.end(body);
    });
  const proxy: FaultyProxy = {
    url: "",
    rule,
    seen,
    async release() {
      const batch = held.splice(0);
      for (const { req, body } of batch) await forward(req, body);
    },
    held: () => held.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const operation =
        String(req.headers["x-amz-target"] ?? "")
          .split(".")
          .at(-1) ?? "";
      seen[operation] = (seen[operation] ?? 0) + 1;
      const verdict = proxy.rule(operation, body.toString("utf8"));
      if (verdict === "forward") void forward(req, body, res);
      else if (verdict === "hold") held.push({ req, body });
      // "drop": never answered; the client times out
    });
    res.on("error", () => {});
  });
  server.on("clientError", (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
