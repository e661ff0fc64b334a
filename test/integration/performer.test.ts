/**
 * The fetch performer against real loopback servers: every fault a back end can have comes back as an outcome
 * the flow routes, within the request's timeout; headers, secrets, redirects and the size limit behave; logs
 * carry the path template and never a value, a body or a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledMachine } from "../../src/engine/machine.js";
import type { FetchRequest } from "../../src/engine/session.js";
import { createFetchPerformer } from "../../src/integration/performer.js";
import { envSecrets, firstOf, secretsManagerSecrets } from "../../src/integration/secrets.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { capturingLogger } from "../support/logger.js";
import { closedPort, json, type LoopbackService, startLoopbackService } from "../support/loopback-service.js";

const SECRET = "s3cr3t-token-value";
const CARD = "4111111111111111";

let service: LoopbackService;
let other: LoopbackService;

beforeAll(async () => {
  other = await startLoopbackService({ "/ok": (_req, res) => json(res, 200, { from: "other" }) });
  service = await startLoopbackService({
    "/echo": (req, res) =>
      json(res, 200, { method: req.method, url: req.url, headers: req.headers, body: req.body || null }),
    "/cards/*": (_req, res) => json(res, 200, { balance: 12.5 }),
    "/hang": () => undefined, // never answers
    "/trickle": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"balance": ');
      // ...and never finishes the body
    },
    "/huge": (_req, res) => {
      // 10 MB, chunked (no content-length): the limit must be enforced while reading
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("error", () => undefined);
      pump();
    },
    "/huge-declared": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 10 * 1024 * 1024 });
      res.write("[");
    },
    "/invalid": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{ not json");
    },
    "/html": (_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>maintenance</html>");
    },
    "/boom": (_req, res) => json(res, 500, { error: "internal" }),
    "/same-origin": (_req, res) => {
      res.writeHead(302, { location: "/cards/1/balance" });
      res.end();
    },
    "/loop": (_req, res) => {
      res.writeHead(302, { location: "/loop" });
      res.end();
    },
    "/cross-origin": (_req, res) => {
      res.writeHead(302, { location: `${other.url}/ok` });
      res.end();
    },
  });
});

afterAll(async () => {
  await service?.close();
  await other?.close();
});

function machine(url: string): CompiledMachine {
  return {
    flow: "perf-test",
    version: "v1",
    numbers: [],
    start: "lookup",
    onError: null,
    keys: {},
    states: {},
    sensitive: [],
    services: {
      bank: {
        url,
        headers: { Authorization: ["Bearer ", { secret: "bankToken" }], "X-Flow": ["callflow"] },
        timeoutMs: 2000,
      },
    },
    secrets: ["bankToken"],
  };
}

function request(path: string, extra: Partial<FetchRequest> = {}): FetchRequest {
  return {
    state: "lookup",
    service: "bank",
    method: "GET",
    path,
    pathTemplate: "/template/{{card}}",
    query: [],
    timeoutMs: 1000,
    turn: 3,
    idempotencyKey: "sess-1:3:lookup",
    wantsBody: true,
    ...extra,
  };
}

function performer(options: { env?: Record<string, string>; secrets?: Record<string, string> } = {}) {
  const { logger, lines } = capturingLogger();
  const fetcher = createFetchPerformer({
    secrets: envSecrets({ CALLFLOW_SECRET_bankToken: SECRET, ...options.secrets }),
    logger,
    metrics: createMetrics(),
    env: options.env ?? {},
  });
  return { fetcher, lines };
}

describe("requests", () => {
  it("carries the service headers with their secret, Idempotency-Key, User-Agent and the JSON body", async () => {
    const { fetcher, lines } = performer();
    const { outcome } = await fetcher.perform(
      machine(`${service.url}/`),
      request("/echo", {
        method: "POST",
        query: [
          ["lang", "en sg"],
          ["card", CARD],
        ],
        body: { pin: "0042", n: 2 },
      }),
    );
    expect(outcome).toMatchObject({ status: 200 });
    const echo = (outcome as { body: { method: string; url: string; headers: Record<string, string>; body: string } })
      .body;
    expect(echo.method).toBe("POST");
    expect(echo.url).toBe(`/echo?lang=en+sg&card=${CARD}`);
    expect(echo.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(echo.headers["x-flow"]).toBe("callflow");
    expect(echo.headers["idempotency-key"]).toBe("sess-1:3:lookup");
    expect(echo.headers["user-agent"]).toMatch(/^callflow\/\d+\.\d+\.\d+/);
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(echo.body)).toEqual({ pin: "0042", n: 2 });
    // one log line: template, status, duration; nothing filled in
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      message: "Fetch",
      fields: { fetchService: "bank", method: "POST", path: "/template/{{card}}", status: 200 },
    });
    expect(JSON.stringify(lines)).not.toMatch(new RegExp(`${SECRET}|${CARD}|0042|en sg`));
  });

  it("the base URL's path is kept and the environment override wins over the flow's URL", async () => {
    const { fetcher } = performer({ env: { CALLFLOW_SERVICE_URL_bank: `${service.url}/cards` } });
    const { outcome } = await fetcher.perform(machine("https://bank.acme.example/v1"), request("/1/balance"));
    expect(outcome).toEqual({ status: 200, body: { balance: 12.5 } });
  });

  it("does not read the body when the flow does not need it", async () => {
    const { fetcher } = performer();
    const { outcome } = await fetcher.perform(machine(service.url), request("/cards/1", { wantsBody: false }));
    expect(outcome).toEqual({ status: 200 });
  });
});

describe("faults route within the timeout", () => {
  const cases: [string, () => Promise<string>, string, object][] = [
    ["a service that never answers", async () => service.url, "/hang", { error: "timeout" }],
    ["a body that never ends", async () => service.url, "/trickle", { error: "timeout" }],
    ["a refused connection", async () => `http://127.0.0.1:${await closedPort()}`, "/x", { error: "network" }],
    ["a host that does not resolve", async () => "https://no-such-host.invalid", "/x", { error: "network" }],
    ["a 500", async () => service.url, "/boom", { status: 500, body: { error: "internal" } }],
    ["a 10 MB body", async () => service.url, "/huge", { error: "too-large", status: 200 }],
    ["a 10 MB body announced", async () => service.url, "/huge-declared", { error: "too-large", status: 200 }],
    ["invalid JSON", async () => service.url, "/invalid", { status: 200, body: undefined }],
    ["an HTML page", async () => service.url, "/html", { status: 200, body: undefined }],
  ];
  for (const [name, base, path, expected] of cases) {
    it(name, async () => {
      const { fetcher, lines } = performer();
      const started = performance.now();
      const { outcome, durationMs } = await fetcher.perform(machine(await base()), request(path, { timeoutMs: 800 }));
      const elapsed = performance.now() - started;
      expect(outcome).toEqual(expected);
      // within the timeout (plus scheduling slack on a loaded 2-core machine), never stranded
      expect(elapsed).toBeLessThan(800 + 700);
      expect(durationMs).toBeGreaterThan(0);
      expect(lines.at(-1)?.fields).toMatchObject({ fetchService: "bank", path: "/template/{{card}}" });
    });
  }
});

describe("redirects", () => {
  it("a GET follows a same-origin redirect", async () => {
    const { fetcher } = performer();
    expect((await fetcher.perform(machine(service.url), request("/same-origin"))).outcome).toEqual({
      status: 200,
      body: { balance: 12.5 },
    });
  });

  it("never to another origin, never for a POST, never more than twice: the 3xx is the response", async () => {
    const { fetcher, lines } = performer();
    const before = other.received.length;
    expect((await fetcher.perform(machine(service.url), request("/cross-origin"))).outcome).toEqual({ status: 302 });
    expect(other.received.length).toBe(before);
    expect(lines.at(-1)?.fields.redirect).toBe("not followed");
    const posted = await fetcher.perform(machine(service.url), request("/same-origin", { method: "POST", body: {} }));
    expect(posted.outcome).toEqual({ status: 302 });
    const looped = service.count("/loop");
    expect((await fetcher.perform(machine(service.url), request("/loop"))).outcome).toEqual({ status: 302 });
    expect(service.count("/loop") - looped).toBe(3);
  });
});

describe("configuration faults take the error route and say what to fix", () => {
  it("a missing secret: not sent, logged by name only", async () => {
    const { logger, lines } = capturingLogger();
    const fetcher = createFetchPerformer({ secrets: envSecrets({}), logger, metrics: createMetrics(), env: {} });
    const before = service.received.length;
    expect((await fetcher.perform(machine(service.url), request("/echo"))).outcome).toEqual({ error: "config" });
    expect(service.received.length).toBe(before);
    expect(lines[0]).toMatchObject({ level: "error", fields: { secret: "bankToken" } });
  });

  it("a base URL that is plain http to another host, or carries a query, is refused", async () => {
    for (const url of ["http://bank.acme.example/v1", "https://bank.acme.example/v1?key=1", "not a url"]) {
      const { fetcher, lines } = performer();
      expect((await fetcher.perform(machine(url), request("/x"))).outcome).toEqual({ error: "config" });
      expect(String(lines[0]?.fields.reason)).toMatch(/service bank/);
    }
  });

  it("a secret's value with a line break is refused, not sent", async () => {
    const { fetcher } = performer({ secrets: { CALLFLOW_SECRET_bankToken: "a\r\nX-Evil: 1" } });
    expect((await fetcher.perform(machine(service.url), request("/echo"))).outcome).toEqual({ error: "network" });
  });
});

describe("secrets from Secrets Manager", () => {
  it("cached values keep working when a refresh fails; an explicit environment value wins", async () => {
    let calls = 0;
    const reader = async (arn: string) => {
      calls++;
      if (calls > 1) throw new Error("throttled");
      return `value-of-${arn}`;
    };
    const errors: string[] = [];
    const source = secretsManagerSecrets({ CALLFLOW_SECRET_ARN_bankToken: "arn:1" }, reader, (name) =>
      errors.push(name),
    );
    expect(await source.get("bankToken")).toBe("value-of-arn:1");
    expect(await source.get("bankToken")).toBe("value-of-arn:1");
    expect(errors).toEqual(["bankToken"]);
    expect(await source.get("other")).toBeUndefined();
    const both = firstOf(envSecrets({ CALLFLOW_SECRET_bankToken: "local" }), source);
    expect(await both.get("bankToken")).toBe("local");
  });
});
