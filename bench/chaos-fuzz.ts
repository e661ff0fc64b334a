/**
 * Hostile webhook bodies for `npm run chaos`: valid VCA and VSS bodies, then mutated the ways a broken sender or
 * an attacker would (fields dropped or retyped, odd digits, numbers JavaScript cannot hold, empty and `__proto__`
 * keys, nesting thousands deep, truncated or non-JSON text, bodies over 64 KB). Seeded: a run can be repeated.
 */
import { randomUUID } from "node:crypto";

export interface FuzzBody {
  route: "/vca" | "/vss";
  text: string;
  /** the sessionId the body names (nothing may be stored under it if the body is refused) */
  sessionId: string;
  mutation: string;
}

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  3.5,
  "",
  "x".repeat(300),
  "ü€😀\u0000\u202e",
  [],
  [1, "two", null],
  {},
  { nested: { deeper: [1] } },
];
/** spliced in as text: JSON.stringify cannot write them */
const RAW_NUMBERS = ["9007199254740993", "1e400", "-0", "1e-200", "6591178965123457000", "0.1e-999"];

function vca(called: string, sessionId: string, status: string, extra: Record<string, unknown> = {}) {
  return {
    namespace: "VOICE",
    eventType: "CALL_ACTION",
    payload: {
      eventId: randomUUID(),
      callId: randomUUID(),
      sessionId,
      subAccountId: "chaos",
      callStatus: status,
      callDirection: "INBOUND",
      callType: "PSTN",
      source: "+6590000001",
      destination: called,
      callDuration: 0,
      eventData: {},
      ...extra,
    },
  };
}

function vss(sessionId: string) {
  return {
    namespace: "VOICE",
    eventType: "SESSION_SUMMARY",
    version: 5,
    payload: {
      sessionId,
      subAccountId: "chaos",
      sessionStatus: "COMPLETED",
      lastAction: "HANGUP",
      callCount: 1,
      details: { callA: { callId: randomUUID(), callStatus: "COMPLETED", callDuration: 12 } },
    },
  };
}

export function fuzzBodies(count: number, seed: number, called: string): FuzzBody[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const bodies: FuzzBody[] = [];
  for (let i = 0; i < count; i++) {
    const sessionId = `chaos-fuzz-${seed}-${i}`;
    const route = random() < 0.55 ? "/vca" : "/vss";
    const base =
      route === "/vss"
        ? vss(sessionId)
        : vca(called, sessionId, random() < 0.5 ? "CALL_RECEIVED" : "ACTION_COMPLETED", {
            clientActionId: random() < 0.5 ? "main:1" : undefined,
          });
    const payload = base.payload as Record<string, unknown>;
    const keys = Object.keys(payload);
    const r = random();
    let mutation: string;
    let text: string;
    if (r < 0.08) {
      mutation = "valid";
      text = JSON.stringify(base);
    } else if (r < 0.2) {
      mutation = "field dropped";
      delete payload[pick(keys.filter((k) => k !== "sessionId"))];
      text = JSON.stringify(base);
    } else if (r < 0.38) {
      mutation = "field retyped";
      payload[pick(keys.filter((k) => k !== "sessionId"))] = pick(ODD_VALUES);
      text = JSON.stringify(base);
    } else if (r < 0.46) {
      mutation = "odd digits";
      const digits = Array.from({ length: 1 + Math.floor(random() * 70) }, () => pick([..."0123456789*#ABab +-x"]));
      payload.eventData = random() < 0.5 ? { dtmf: digits.join("") } : digits.join("");
      if (random() < 0.5) payload.dtmf = digits.reverse().join("");
      text = JSON.stringify(base);
    } else if (r < 0.54) {
      mutation = "raw number";
      text = JSON.stringify(base).replace('"callStatus"', `"odd":${pick(RAW_NUMBERS)},"callStatus"`);
      if (route === "/vss")
        text = JSON.stringify(base).replace('"callDuration":12', `"callDuration":${pick(RAW_NUMBERS)}`);
    } else if (r < 0.6) {
      mutation = "empty and __proto__ keys";
      text = JSON.stringify(base).replace('"sessionId"', '"":1,"__proto__":{"polluted":true},"sessionId"');
    } else if (r < 0.68) {
      mutation = "deep nesting";
      const depth = pick([31, 99, 100, 101, 500, 3_000, 30_000]);
      const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      text = JSON.stringify(base).replace('"sessionId"', `"deep":${deep},"sessionId"`);
    } else if (r < 0.78) {
      mutation = "not a JSON object";
      const whole = JSON.stringify(base);
      text = pick([
        whole.slice(0, Math.floor(random() * whole.length)),
        "null",
        "[]",
        '"text"',
        "42",
        "",
        "   ",
        "{,}",
        Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))).toString("latin1"),
      ]);
    } else if (r < 0.86) {
      mutation = "payload replaced";
      (base as Record<string, unknown>).payload = pick(ODD_VALUES);
      text = JSON.stringify(base);
    } else if (r < 0.92) {
      mutation = "wrong webhook";
      text = JSON.stringify(route === "/vca" ? vss(sessionId) : vca(called, sessionId, "CALL_RECEIVED"));
    } else if (r < 0.98) {
      mutation = "odd event type or status";
      if (random() < 0.5) (base as Record<string, unknown>).eventType = pick(ODD_VALUES);
      else payload[route === "/vca" ? "callStatus" : "sessionStatus"] = pick(["", "BOGUS", "x".repeat(100), 7]);
      text = JSON.stringify(base);
    } else {
      mutation = "over 64 KB";
      text = JSON.stringify({ ...base, padding: "x".repeat(66_000) });
    }
    bodies.push({ route, text, sessionId, mutation });
  }
  return bodies;
}
