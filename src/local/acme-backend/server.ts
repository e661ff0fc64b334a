/**
 * Acme's example back end: the bank, CRM and clinic APIs the example flows talk to, on loopback, started by
 * `npm start` next to the local stack (docs/integration.md describes every route). Plain node:http, state in
 * memory, nothing persisted. Like a real API it honours `Idempotency-Key`: a request repeated with the same key
 * gets the first answer again, with no second effect.
 *
 *   bank    POST /bank/cards/{card}/verify  { pin }   200 { holder, balance } | 403 wrong PIN | 404 | 423 locked
 *   crm     GET  /crm/customers?phone=+65...          200 { firstName, tier, accountNumber } | 404
 *   clinic  POST /clinic/reminder-responses { patient, answer, preferredDay? }   201 { id }
 *           GET  /clinic/reminder-responses           200 [ ...responses recorded ]
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { close, listen } from "../listen.js";
import { CARDS, CUSTOMERS, DEMO_BANK_TOKEN } from "./data.js";

export interface AcmeBackendOptions {
  /** default 4010; 0 = any free port */
  port?: number;
  /** when `port` is taken, listen on a free one instead of failing (npm start) */
  fallbackToFreePort?: boolean;
  /** the bearer token the bank expects (default ACME_BANK_TOKEN, else the demo token) */
  bankToken?: string;
}

export interface AcmeBackend {
  url: string;
  port: number;
  /** base URL per service, as the flows name them */
  services: { bank: string; crm: string; clinic: string };
  /** what the clinic has recorded (newest last) */
  reminderResponses: ReminderResponse[];
  stop(): Promise<void>;
}

export interface ReminderResponse {
  id: string;
  patient: string;
  answer: string;
  preferredDay?: string;
  receivedAt: string;
}

interface Reply {
  status: number;
  body: unknown;
}

const MAX_BODY = 16 * 1024;
const WRONG_PINS_BEFORE_LOCK = 3;

export async function startAcmeBackend(options: AcmeBackendOptions = {}): Promise<AcmeBackend> {
  const token = options.bankToken ?? process.env.ACME_BANK_TOKEN ?? DEMO_BANK_TOKEN;
  const reminderResponses: ReminderResponse[] = [];
  const wrongPins = new Map<string, number>();
  const replies = new Map<string, Reply>();

  const route = (method: string, path: string, query: URLSearchParams, req: IncomingMessage, body: unknown) => {
    const card = /^\/bank\/cards\/([^/]+)\/verify$/.exec(path);
    if (card && method === "POST") {
      if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "missing or wrong token" });
      return verifyCard(decodeURIComponent(card[1] as string), body);
    }
    if (path === "/crm/customers" && method === "GET") {
      const customer = CUSTOMERS[query.get("phone") ?? ""];
      return customer ? reply(200, customer) : reply(404, { error: "no customer with that number" });
    }
    if (path === "/clinic/reminder-responses" && method === "POST") return recordResponse(body);
    if (path === "/clinic/reminder-responses" && method === "GET") return reply(200, reminderResponses);
    if (path === "/health") return reply(200, { ok: true });
    return reply(404, { error: `no route ${method} ${path}` });
  };

  const verifyCard = (number: string, body: unknown): Reply | "hang" => {
    const card = CARDS[number];
    if (!card) return reply(404, { error: "unknown card" });
    if (card.behaviour === "hang") return "hang";
    if (card.behaviour === "fail") return reply(503, { error: "core banking is unavailable" });
    const attempts = wrongPins.get(number) ?? 0;
    if (card.behaviour === "locked" || attempts >= WRONG_PINS_BEFORE_LOCK) return reply(423, { error: "card locked" });
    if (String((body as { pin?: unknown } | undefined)?.pin ?? "") !== card.pin) {
      wrongPins.set(number, attempts + 1);
      return reply(403, { error: "wrong PIN", attemptsLeft: WRONG_PINS_BEFORE_LOCK - attempts - 1 });
    }
    wrongPins.delete(number);
    return reply(200, {
      holder: { firstName: card.holder },
      balance: { available: card.available, currency: card.currency },
    });
  };

  const recordResponse = (body: unknown): Reply => {
    const { patient, answer, preferredDay } = (body ?? {}) as Record<string, unknown>;
    if (typeof patient !== "string" || typeof answer !== "string" || answer === "") {
      return reply(422, { error: "patient and answer are required" });
    }
    const response: ReminderResponse = {
      id: `R${String(reminderResponses.length + 1).padStart(4, "0")}`,
      patient,
      answer,
      ...(typeof preferredDay === "string" && preferredDay !== "" && { preferredDay }),
      receivedAt: new Date().toISOString(),
    };
    reminderResponses.push(response);
    return reply(201, { id: response.id });
  };

  const server = createServer((req, res) => {
    readJson(req).then(
      (body) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        // Idempotency-Key: the first answer is the answer, and the work is done once.
        const key = method === "GET" ? undefined : headerValue(req, "idempotency-key");
        const seen = key === undefined ? undefined : replies.get(`${method} ${url.pathname} ${key}`);
        if (seen) return send(res, seen);
        const result = route(method, url.pathname, url.searchParams, req, body);
        if (result === "hang") return; // the caller's deadline will have to deal with it
        if (key !== undefined) replies.set(`${method} ${url.pathname} ${key}`, result);
        send(res, result);
      },
      () => send(res, reply(400, { error: "body is not JSON (or too large)" })),
    );
  });
  const port = await listen(server, options.port ?? 4010, "127.0.0.1", options.fallbackToFreePort ?? false);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    services: { bank: `${url}/bank`, crm: `${url}/crm`, clinic: `${url}/clinic` },
    reminderResponses,
    stop: () => close(server),
  };
}

function reply(status: number, body: unknown): Reply {
  return { status, body };
}

function send(res: ServerResponse, { status, body }: Reply): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (text === "") return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });
}
