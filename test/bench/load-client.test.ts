import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LoadClient } from "../../bench/load-client.js";

let server: Server | undefined;
const clients: LoadClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback server answering each POST with `answer(body, headers)`; returns its URL. */
async function serve(answer: (body: string, res: import("node:http").ServerResponse, seen: string) => void) {
  let connections = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(Buffer.concat(chunks).toString("utf8"), res, String(req.headers["x-test"] ?? "")));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vca`;
  return { url, connections: () => connections };
}

function newClient(maxIdleMs?: number): LoadClient {
  const client = new LoadClient(maxIdleMs);
  clients.push(client);
  return client;
}

describe("the benchmark's load client", () => {
  it("reads answers with a Content-Length and chunked ones, reusing one connection", async () => {
    const { url, connections } = await serve((body, res, seen) => {
      if (body === "chunked") res.writeHead(200, { "content-type": "application/json" }).end(`{"echo":"${seen}"}`);
      else res.setHeader("content-length", Buffer.byteLength(body)).writeHead(201).end(body);
    });
    const client = newClient();
    expect(await client.post(url, "é plain")).toEqual({ status: 201, text: "é plain" });
    expect(await client.post(url, "chunked", { "x-test": "header sent" })).toEqual({
      status: 200,
      text: '{"echo":"header sent"}',
    });
    expect(await client.post(url, "again")).toEqual({ status: 201, text: "again" });
    expect(connections()).toBe(1);
  });

  it("opens N connections up front, and serves N concurrent requests on them", async () => {
    const { url, connections } = await serve((body, res) => res.writeHead(200).end(body));
    const client = newClient();
    await client.open(url, 5);
    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => client.post(url, `r${i}`)));
    expect(answers.map((a) => a.text)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(connections()).toBe(5);
  });

  it("does not reuse a connection the server closes", async () => {
    const { url, connections } = await serve((body, res) =>
      res.writeHead(413, { connection: "close", "content-length": String(body.length) }).end(body),
    );
    const client = newClient();
    expect((await client.post(url, "x")).status).toBe(413);
    expect((await client.post(url, "y")).text).toBe("y");
    expect(connections()).toBe(2);
  });

  it("with `get`, sends a GET of the URL on every connection it opened, untimed, and keeps them", async () => {
    const methods: string[] = [];
    const { url, connections } = await serve((body, res) => res.writeHead(200).end(body));
    server?.prependListener("request", (req) => methods.push(`${req.method} ${req.url}`));
    const client = newClient();
    await client.open(url.replace("/vca", "/health"), 3, { get: true });
    expect(methods).toEqual(["GET /health", "GET /health", "GET /health"]);
    await Promise.all([client.post(url, "a"), client.post(url, "b"), client.post(url, "c")]);
    expect(connections()).toBe(3);
  });

  it("opens a new connection instead of one idle for longer than its limit", async () => {
    const { url, connections } = await serve((body, res) => res.writeHead(200).end(body));
    const client = newClient(30);
    await client.post(url, "x");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await client.post(url, "y")).text).toBe("y");
    expect(connections()).toBe(2);
  });

  it("rejects when the server goes away in the middle of a request", async () => {
    const { url } = await serve((_body, res) => res.socket?.destroy());
    await expect(newClient().post(url, "x")).rejects.toThrow(/closed the connection|ECONNRESET/);
  });
});
