/** The local server's router (src/local/router.ts), on a real loopback server. */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { close, listen } from "../../src/local/listen.js";
import { LocalRouter, sendJson } from "../../src/local/router.js";

let server: Server;
let base: string;
const failures: unknown[] = [];

beforeAll(async () => {
  const router = new LocalRouter()
    .route("GET", "/", (_req, res) => sendJson(res, 200, { page: "home" }))
    .route("GET", "/events", (_req, res, url) => sendJson(res, 200, { since: url.searchParams.get("since") }))
    .route("*", "/studio/*", (req, res, url) => sendJson(res, 200, { studio: `${req.method} ${url.pathname}` }))
    .route("GET", "/studio/api/flows", (_req, res) => sendJson(res, 200, { exact: true }))
    .route("POST", "/boom", () => {
      throw new Error("kaboom");
    });
  server = createServer((req, res) => void router.handle(req, res, (err) => failures.push(err)));
  base = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}`;
});

afterAll(async () => {
  await close(server);
});

async function get(path: string, method = "GET"): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, { method });
  return { status: res.status, body: await res.json() };
}

describe("LocalRouter", () => {
  it("routes exact paths, with the query parsed", async () => {
    expect(await get("/")).toEqual({ status: 200, body: { page: "home" } });
    expect(await get("/events?since=5")).toEqual({ status: 200, body: { since: "5" } });
  });

  it("serves a prefix and everything under it, for any method; an exact route wins", async () => {
    expect(await get("/studio")).toEqual({ status: 200, body: { studio: "GET /studio" } });
    expect(await get("/studio/app.js", "POST")).toEqual({ status: 200, body: { studio: "POST /studio/app.js" } });
    expect(await get("/studio/api/flows")).toEqual({ status: 200, body: { exact: true } });
    expect((await get("/studioX")).status).toBe(404);
  });

  it("answers like API Gateway: 404 unknown path, 405 other method, 502 when a handler throws", async () => {
    expect(await get("/nope")).toEqual({ status: 404, body: { message: "Not Found" } });
    expect(await get("/events", "POST")).toEqual({ status: 405, body: { message: "Method Not Allowed" } });
    expect(await get("/boom", "POST")).toEqual({ status: 502, body: { message: "Internal server error" } });
    expect(String(failures[0])).toMatch(/kaboom/);
  });

  it("refuses the same route mounted twice", () => {
    const router = new LocalRouter().route("GET", "/events", () => {});
    expect(() => router.route("get", "/events", () => {})).toThrow(/mounted twice/);
  });
});
