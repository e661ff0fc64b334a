/** The example back end `npm start` runs for the example flows: its routes, its token check, Idempotency-Key. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AcmeBackend, startAcmeBackend } from "../../src/local/acme-backend/server.js";

let backend: AcmeBackend;

beforeAll(async () => {
  backend = await startAcmeBackend({ port: 0, bankToken: "t0k" });
});

afterAll(async () => {
  await backend?.stop();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer t0k", ...headers },
    body: JSON.stringify(body),
  });

describe("the bank", () => {
  it("verifies a card and PIN and tells the balance; a wrong PIN, an unknown card, a locked card", async () => {
    const ok = await post(`${backend.services.bank}/cards/4111111111111111/verify`, { pin: "4821" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      holder: { firstName: "Wei Ling" },
      balance: { available: 1234.56, currency: "SGD" },
    });
    const wrong = await post(`${backend.services.bank}/cards/2223003122003222/verify`, { pin: "0000" });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: "wrong PIN", attemptsLeft: 2 });
    expect((await post(`${backend.services.bank}/cards/5105105105105100/verify`, { pin: "1" })).status).toBe(404);
    expect((await post(`${backend.services.bank}/cards/4242424242424242/verify`, { pin: "1357" })).status).toBe(423);
    expect((await post(`${backend.services.bank}/cards/4000000000000069/verify`, { pin: "1" })).status).toBe(503);
  });

  it("refuses a request without its token", async () => {
    const res = await post(
      `${backend.services.bank}/cards/4111111111111111/verify`,
      { pin: "4821" },
      {
        authorization: "Bearer nope",
      },
    );
    expect(res.status).toBe(401);
  });

  it("locks a card after three wrong PINs", async () => {
    const url = `${backend.services.bank}/cards/5555555555554444/verify`;
    for (const left of [2, 1, 0])
      expect(await (await post(url, { pin: "9999" })).json()).toMatchObject({ attemptsLeft: left });
    expect((await post(url, { pin: "4821" })).status).toBe(423);
  });
});

describe("the CRM", () => {
  it("knows callers by number", async () => {
    const known = await fetch(`${backend.services.crm}/customers?phone=${encodeURIComponent("+6591234567")}`);
    expect(await known.json()).toEqual({ firstName: "Wei Ling", tier: "priority", accountNumber: "91234567" });
    expect((await fetch(`${backend.services.crm}/customers?phone=%2B6590000001`)).status).toBe(404);
  });
});

describe("the clinic", () => {
  it("records a reminder answer once per Idempotency-Key", async () => {
    const url = `${backend.services.clinic}/reminder-responses`;
    const body = { patient: "+6591234567", answer: "confirmed" };
    const first = await post(url, body, { "idempotency-key": "s1:2:record" });
    const again = await post(url, body, { "idempotency-key": "s1:2:record" });
    expect(first.status).toBe(201);
    expect(await again.json()).toEqual(await first.json());
    expect(backend.reminderResponses).toHaveLength(1);
    expect((await post(url, { patient: "+65" }, { "idempotency-key": "s1:3:record" })).status).toBe(422);
    const listed = await (await fetch(url)).json();
    expect(listed).toEqual([expect.objectContaining({ patient: "+6591234567", answer: "confirmed" })]);
  });
});
