import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import {
  BodyTooLargeError,
  closeConnection,
  gatewayError,
  readBody,
  toApiGatewayEvent,
  writeApiGatewayResult,
} from "../../src/local/apigw-adapter.js";

/** A throwaway server on 127.0.0.1 that runs `handle` per request; the adapter is exercised on real sockets. */
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(handle: (req: IncomingMessage) => Promise<APIGatewayProxyResult>): Promise<string> {
  server = createServer((req, res) => {
    handle(req).then(
      (result) => writeApiGatewayResult(res, result),
      (err: unknown) =>
        writeApiGatewayResult(
          res,
          err instanceof BodyTooLargeError
            ? closeConnection(gatewayError(413, String(err)))
            : gatewayError(500, String(err)),
        ),
    );
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Send raw headers, repeats included (fetch would merge them); a raw list gets no automatic Host. */
function rawPost(url: string, headers: [string, string][], body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: headers.flat() as unknown as Record<string, string> },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("toApiGatewayEvent", () => {
  it("builds the REST API v1 proxy event", async () => {
    let event: APIGatewayProxyEvent | undefined;
    const url = await serve(async (req) => {
      event = toApiGatewayEvent(req, await readBody(req), { resource: "/vca", now: new Date("2026-01-05T01:00:00Z") });
      return { statusCode: 200, body: "" };
    });

    const answer = await rawPost(
      `${url}/vca?a=1&b=2&a=3`,
      [
        ["Host", "localhost"],
        ["Content-Type", "application/json"],
        ["Authorization", "secret-value"],
        ["X-Forwarded-For", "203.0.113.9"],
        ["X-Forwarded-For", "198.51.100.7"],
      ],
      '{"hello":"world"}',
    );

    expect(answer.status).toBe(200);
    expect(event).toMatchObject({
      httpMethod: "POST",
      path: "/vca",
      resource: "/vca",
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      queryStringParameters: { a: "3", b: "2" },
      multiValueQueryStringParameters: { a: ["1", "3"], b: ["2"] },
      pathParameters: null,
      requestContext: {
        stage: "local",
        httpMethod: "POST",
        resourcePath: "/vca",
        path: "/local/vca",
        requestTimeEpoch: Date.parse("2026-01-05T01:00:00Z"),
        identity: { sourceIp: "127.0.0.1" },
      },
    });
    expect(event!.headers["Content-Type"]).toBe("application/json");
    expect(event!.headers.Authorization).toBe("secret-value");
    // the last value wins in headers, every value is kept in multiValueHeaders (as API Gateway does)
    expect(event!.headers["X-Forwarded-For"]).toBe("198.51.100.7");
    expect(event!.multiValueHeaders["X-Forwarded-For"]).toEqual(["203.0.113.9", "198.51.100.7"]);
    expect(event!.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("gives a fresh requestId per request and null body and query when there are none", async () => {
    const events: APIGatewayProxyEvent[] = [];
    const url = await serve(async (req) => {
      events.push(toApiGatewayEvent(req, await readBody(req)));
      return { statusCode: 204, body: "" };
    });
    await fetch(`${url}/health`);
    await fetch(`${url}/health`);
    expect(events[0]!.body).toBeNull();
    expect(events[0]!.queryStringParameters).toBeNull();
    expect(events[0]!.resource).toBe("/health");
    expect(events[0]!.requestContext.requestId).not.toBe(events[1]!.requestContext.requestId);
  });
});

describe("readBody", () => {
  it("refuses a body over the limit with BodyTooLargeError (413)", async () => {
    const url = await serve(async (req) => {
      await readBody(req, 1024);
      return { statusCode: 200, body: "" };
    });
    const res = await fetch(`${url}/vca`, { method: "POST", body: "x".repeat(1025) });
    expect(res.status).toBe(413);
  });

  it("refuses an oversized chunked body without a content-length too", async () => {
    const url = await serve(async (req) => {
      await readBody(req, 1024);
      return { statusCode: 200, body: "" };
    });
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode("y".repeat(400)));
        controller.close();
      },
    });
    const res = await fetch(`${url}/vca`, { method: "POST", body: chunks, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("stops reading a body that keeps coming, and the 413 still reaches the client", async () => {
    let readAtRefusal = -1;
    const url = await serve(async (req) => {
      try {
        return { statusCode: 200, body: await readBody(req, 1024) };
      } catch (err) {
        readAtRefusal = req.socket.bytesRead;
        throw err;
      }
    });
    let sent = 0;
    const endless = new ReadableStream({
      async pull(controller) {
        sent += 16 * 1024;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x7a));
        await new Promise((r) => setTimeout(r, 1));
      },
    });
    const res = await fetch(`${url}/vca`, { method: "POST", body: endless, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
    expect(readAtRefusal).toBeGreaterThan(1024);
    expect(readAtRefusal).toBeLessThan(64 * 1024); // refused within the first chunks, not after buffering more
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });

  it("accepts a body at the limit, as UTF-8", async () => {
    let body = "";
    const url = await serve(async (req) => {
      body = await readBody(req, 1024);
      return { statusCode: 200, body: "" };
    });
    const text = `${"z".repeat(1020)}é`; // 1022 bytes
    expect((await fetch(`${url}/vca`, { method: "POST", body: text })).status).toBe(200);
    expect(body).toBe(text);
  });
});

describe("writeApiGatewayResult", () => {
  it("writes status, headers, multi-value headers and body", async () => {
    const url = await serve(async () => ({
      statusCode: 201,
      headers: { "content-type": "application/json", "x-count": 3 },
      multiValueHeaders: { "set-cookie": ["a=1", "b=2"] },
      body: '{"ok":true}',
    }));
    const res = await fetch(url);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-count")).toBe("3");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.json()).toEqual({ ok: true });
  });

  it("decodes a base64 body", async () => {
    const url = await serve(async () => ({
      statusCode: 200,
      isBase64Encoded: true,
      body: Buffer.from("binary\u0000data").toString("base64"),
    }));
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).toString()).toBe("binary\u0000data");
  });
});
