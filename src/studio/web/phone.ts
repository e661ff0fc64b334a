/**
 * The phone: place a call to the flow on screen and play the caller. Keys are collected as a phone's keypad
 * would during a prompt and handed over when 8x8 would end the capture: at the prompt's maximum number of
 * digits, at `#` when the prompt ends on hash, or when the caller pauses for the prompt's digit timeout. The
 * server turns them into what 8x8 reports (the same simulation `ivr test` uses) and posts the real webhooks.
 */
import type { CallTurn, CallView, FlowDetail, Heard, ServiceRequestView } from "../protocol.js";
import { api } from "./api.js";
import { h } from "./dom.js";

const KEYPAD = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];
const LETTERS: Record<string, string> = {
  2: "ABC",
  3: "DEF",
  4: "GHI",
  5: "JKL",
  6: "MNO",
  7: "PQRS",
  8: "TUV",
  9: "WXYZ",
};
const DEFAULT_CALLER = "+6590000001";

export class PhonePanel {
  private flow: FlowDetail | undefined;
  private call: CallView | undefined;
  private buffer = "";
  private timer: number | undefined;
  private busy = false;
  /** keys pressed while the answer to the last ones was on its way: they go to the next prompt (barge-in) */
  private typeahead = "";
  private error = "";
  private readonly setup: HTMLFormElement;
  private readonly live: HTMLElement;
  private readonly transcript: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly entered: HTMLElement;
  private readonly countdown: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly timezoneNote: HTMLElement;
  /** an outbound flow's per-call inputs, one field each */
  private readonly inputs: HTMLFieldSetElement;
  private readonly callButton: HTMLButtonElement;

  constructor(
    container: HTMLElement,
    private readonly onChange: (call: CallView | undefined) => void,
  ) {
    this.timezoneNote = h("span", { class: "hint", id: "clock-zone" });
    this.inputs = h("fieldset", { class: "inputs", hidden: true });
    this.callButton = h("button", { type: "submit", class: "primary", id: "call-button" }, "Call");
    this.setup = h(
      "form",
      { class: "call-setup", "aria-label": "Place a call" },
      h(
        "label",
        {},
        "Calling number ",
        h("input", { name: "caller", value: DEFAULT_CALLER, inputmode: "tel", autocomplete: "off", size: 14 }),
      ),
      h(
        "div",
        { class: "clock" },
        h("label", {}, h("input", { type: "checkbox", name: "useClock" }), " Set the clock"),
        h("input", {
          type: "datetime-local",
          name: "at",
          "aria-label": "Call date and time",
          "aria-describedby": "clock-zone",
        }),
        this.timezoneNote,
      ),
      this.inputs,
      this.callButton,
    );
    this.setup.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.place();
    });
    this.status = h("p", { class: "call-status", role: "status", "aria-live": "polite" });
    this.entered = h("p", { class: "entered", "aria-live": "polite" });
    this.countdown = h("div", { class: "countdown", "aria-hidden": "true" });
    const pad = h(
      "div",
      { class: "dialpad", role: "group", "aria-label": "Dialpad (or type 0-9, * and # here)" },
      KEYPAD.map((key) =>
        h(
          "button",
          {
            type: "button",
            class: "key",
            "data-key": key,
            "aria-label": `key ${key === "*" ? "star" : key === "#" ? "hash" : key}`,
            onclick: () => this.press(key),
          },
          h("span", { class: "digit" }, key),
          h("span", { class: "letters" }, LETTERS[key] ?? ""),
        ),
      ),
    );
    this.controls = h(
      "div",
      { class: "in-call" },
      this.status,
      this.entered,
      this.countdown,
      h(
        "div",
        { class: "pad-row" },
        pad,
        h(
          "div",
          { class: "call-buttons" },
          h(
            "button",
            { type: "button", id: "silence", onclick: () => void this.silence() },
            "Silence",
            h("br"),
            h("small", {}, "(no input)"),
          ),
          h("button", { type: "button", id: "hangup", class: "danger", onclick: () => void this.hangup() }, "Hang up"),
        ),
      ),
    );
    this.transcript = h("ol", { class: "transcript", "aria-label": "Transcript", "aria-live": "polite" });
    this.live = h("div", { class: "call" }, this.controls, this.transcript);
    container.append(this.setup, this.live);
    // the latest turn stays in view when the panel above grows (a state's YAML opened mid-call)
    new ResizeObserver(() => {
      this.transcript.scrollTop = this.transcript.scrollHeight;
    }).observe(this.transcript);
    // typing keys anywhere in the phone (but in its text fields) presses them
    container.addEventListener("keydown", (event) => {
      const target = event.target as HTMLElement;
      if (target.tagName === "INPUT" || event.ctrlKey || event.metaKey || event.altKey) return;
      if (KEYPAD.includes(event.key)) {
        event.preventDefault();
        this.press(event.key);
      }
    });
    this.render();
  }

  setFlow(flow: FlowDetail): void {
    const changed = this.flow?.flow !== flow.flow;
    this.flow = flow;
    const zone = flow.hoursTimezone ?? "UTC";
    this.timezoneNote.textContent = flow.hoursTimezone
      ? `${zone} time (the flow's hours)`
      : "UTC (no hours in this flow)";
    const at = this.setup.elements.namedItem("at") as HTMLInputElement;
    if (changed || !at.value) at.value = wallClock(new Date(), zone);
    if (changed) this.renderInputs(flow);
    this.render();
  }

  /** Fields for an outbound flow's inputs (what `ivr dial --var name=value` passes); the stack checks them. */
  private renderInputs(flow: FlowDetail): void {
    const outbound = flow.numbers.length === 0;
    this.inputs.hidden = !outbound || flow.inputs.length === 0;
    // no fields at all when hidden: a required field the browser cannot show would block the form
    if (this.inputs.hidden) {
      this.inputs.replaceChildren();
      return;
    }
    this.inputs.replaceChildren(
      h("legend", {}, "Inputs of this call"),
      ...flow.inputs.map((input) =>
        h(
          "label",
          {},
          `${input.name}${input.required ? " *" : ""} `,
          h("input", {
            name: `input:${input.name}`,
            type: input.sensitive ? "password" : "text",
            autocomplete: "off",
            required: input.required,
            size: 16,
            title: input.pattern ? `must match ${input.pattern}` : null,
          }),
        ),
      ),
    );
  }

  private async place(): Promise<void> {
    if (!this.flow || this.busy) return;
    const form = this.setup.elements;
    const caller = (form.namedItem("caller") as HTMLInputElement).value.trim();
    const useClock = (form.namedItem("useClock") as HTMLInputElement).checked;
    const at = (form.namedItem("at") as HTMLInputElement).value;
    const inputs: Record<string, string> = {};
    if (!this.inputs.hidden) {
      for (const field of this.inputs.querySelectorAll("input")) {
        if (field.value !== "") inputs[field.name.slice("input:".length)] = field.value;
      }
    }
    await this.act(() =>
      api.placeCall({
        flow: this.flow!.flow,
        ...(caller && { caller }),
        ...(useClock && at && { at: at.slice(0, 16) }),
        ...(Object.keys(inputs).length > 0 && { inputs }),
      }),
    );
    (this.live.querySelector(".key") as HTMLElement | null)?.focus();
  }

  /** One key on the keypad. */
  press(key: string): void {
    if (this.busy && this.call && !this.call.ended) {
      this.typeahead += key;
      return;
    }
    const call = this.call;
    const waiting = call?.waiting;
    if (!call || !waiting) {
      this.flash(
        call?.ended ? "The call has ended." : call ? "No prompt is listening right now." : "Place a call first.",
      );
      return;
    }
    this.buffer += key;
    window.clearTimeout(this.timer);
    if ((key === "#" && waiting.completeOnHash) || this.buffer.length >= waiting.maxDigits) {
      void this.sendKeys();
    } else {
      // 8x8 ends the capture when the caller pauses longer than the prompt's digit timeout
      this.timer = window.setTimeout(() => void this.sendKeys(), waiting.digitTimeoutMs);
      this.restartCountdown(waiting.digitTimeoutMs);
    }
    this.renderEntered();
  }

  private async sendKeys(): Promise<void> {
    window.clearTimeout(this.timer);
    const keys = this.buffer;
    this.buffer = "";
    this.countdown.classList.remove("running");
    if (!keys || !this.call) return;
    const id = this.call.id;
    await this.act(() => api.press(id, keys));
  }

  private async silence(): Promise<void> {
    if (!this.call || this.call.ended || this.busy) return;
    window.clearTimeout(this.timer);
    this.buffer = "";
    const id = this.call.id;
    await this.act(() => api.silence(id));
  }

  private async hangup(): Promise<void> {
    if (!this.call || this.call.ended) return;
    window.clearTimeout(this.timer);
    this.buffer = "";
    const id = this.call.id;
    await this.act(() => api.hangup(id));
  }

  private async act(request: () => Promise<CallView>): Promise<void> {
    this.busy = true;
    this.error = "";
    this.render();
    try {
      this.call = await request();
      this.onChange(this.call);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.busy = false;
      this.render();
    }
    // the keypad is off once the call is over: the focus goes where the next call starts
    if (this.call?.ended && this.controls.contains(document.activeElement)) this.callButton.focus();
    const early = this.typeahead;
    this.typeahead = "";
    if (this.call?.waiting) for (const key of early) this.press(key);
  }

  private flash(text: string): void {
    this.status.textContent = text;
  }

  private restartCountdown(ms: number): void {
    this.countdown.classList.remove("running");
    void this.countdown.offsetWidth; // restart the CSS animation
    this.countdown.style.animationDuration = `${ms}ms`;
    this.countdown.classList.add("running");
  }

  private renderEntered(): void {
    this.entered.textContent = this.buffer ? `keys: ${this.buffer.split("").join(" ")}` : "";
  }

  private render(): void {
    const flow = this.flow;
    const call = this.call;
    const outbound = flow !== undefined && flow.numbers.length === 0;
    this.callButton.textContent = !flow ? "Call" : outbound ? `Ring me from ${flow.flow}` : `Call ${flow.flow}`;
    this.callButton.disabled = !flow?.served || this.busy;
    this.callButton.title = flow && !flow.served ? "the local stack does not serve this flow (it has errors)" : "";
    const active = call !== undefined && call.ended === null;
    this.controls.classList.toggle("active", active);
    // not disabled while an answer is on its way: a disabled button would drop the keyboard focus
    for (const el of this.controls.querySelectorAll("button")) (el as HTMLButtonElement).disabled = !active;
    this.status.textContent = this.error
      ? `Error: ${this.error}`
      : this.busy
        ? "…"
        : !call
          ? outbound
            ? "This flow is outbound only: it rings you, as `ivr dial` would."
            : ""
          : describeWaiting(call);
    this.status.classList.toggle("error", this.error !== "");
    this.renderEntered();
    this.transcript.replaceChildren(...(call ? transcriptOf(call) : []));
    // the latest turn in view: what the caller just heard
    this.transcript.scrollTop = this.transcript.scrollHeight;
  }
}

function describeWaiting(call: CallView): string {
  if (call.ended) return call.ended.by === "caller" ? "You hung up." : "The call has ended.";
  const w = call.waiting;
  if (!w) return `In ${call.state ?? "the flow"}.`;
  const keys =
    w.maxDigits === 1
      ? "a key"
      : w.minDigits === w.maxDigits
        ? `${w.maxDigits} keys`
        : `${w.minDigits} to ${w.maxDigits} keys`;
  return `${call.state ?? "The flow"} is waiting for ${keys}${w.completeOnHash ? " (# ends)" : ""}.`;
}

function transcriptOf(call: CallView): HTMLElement[] {
  const items: HTMLElement[] = [];
  call.turns.forEach((turn, i) => {
    items.push(
      h(
        "li",
        { class: "turn", "data-turn": i },
        callerLine(turn, call),
        ...turn.heard.map(heardLine),
        ...requestsOf(turn.requests),
        visitedLine(turn),
        rawAnswer(turn),
      ),
    );
  });
  if (call.ended) items.push(endLine(call));
  return items;
}

function callerLine(turn: CallTurn, call: CallView): HTMLElement {
  if (turn.event === "CALL_RECEIVED") {
    const clock = call.clock ? ` at ${new Date(call.clock).toISOString().slice(0, 16).replace("T", " ")} UTC` : "";
    return h(
      "p",
      { class: "caller" },
      `☎ ${call.caller} calls ${call.called}${clock}`,
      call.clockNote ? h("span", { class: "hint" }, ` (${call.clockNote})`) : null,
    );
  }
  if (turn.event === "DIAL")
    return h("p", { class: "caller" }, `☎ ${call.flow} rings ${call.called} (outbound) and you answer`);
  if (turn.holdHeard) return h("p", { class: "caller" }, "… the hold message played: 8x8 reports it, the request runs");
  if (turn.pressed === undefined) return h("p", { class: "caller" }, "… you say nothing: 8x8 reports no input");
  const reported = turn.dtmf === null ? "no input (too few keys)" : `“${turn.dtmf}”`;
  return h("p", { class: "caller" }, `☎ you press ${turn.pressed.split("").join(" ")}: 8x8 reports ${reported}`);
}

function heardLine(heard: Heard): HTMLElement {
  switch (heard.kind) {
    case "say":
      return h("p", { class: "heard say" }, h("b", { class: "who" }, "says "), heard.text);
    case "prompt":
      return h("p", { class: "heard prompt" }, h("b", { class: "who" }, "asks "), heard.text);
    case "play":
      return h("p", { class: "heard play" }, h("b", { class: "who" }, "plays "), h("code", {}, heard.url));
    case "transfer":
      return h(
        "p",
        { class: "heard transfer" },
        h("b", { class: "who" }, "transfers "),
        `you to ${heard.to}${heard.recorded ? " (recorded)" : ""}`,
      );
    case "hangup":
      return h("p", { class: "heard hangup" }, h("b", { class: "who" }, "hangs up"));
  }
}

function requestsOf(requests: ServiceRequestView[]): HTMLElement[] {
  return requests.map((r) => {
    // the route as the diagram labels it: 2xx, the status route written in the flow, or error
    const route = r.route === "next" ? "2xx" : r.route === "onError" ? "error" : r.route.replace(/^on:/, "");
    const answer = r.status ?? r.error ?? "no answer";
    const failed = r.error !== undefined || r.route === "onError";
    return h(
      "p",
      { class: `request ${failed ? "failed" : ""}`.trim() },
      h("b", { class: "who" }, "asks a service "),
      `${r.method} ${r.service} ${r.pathTemplate}: ${answer}${r.error && r.status !== null ? ` (${r.error})` : ""}`,
      ` → ${r.to ?? "?"} (${route}, ${r.durationMs} ms)`,
    );
  });
}

function visitedLine(turn: CallTurn): HTMLElement | null {
  if (turn.visited.length === 0) return null;
  return h("p", { class: "visited" }, "states: ", turn.visited.join(" → "));
}

function rawAnswer(turn: CallTurn): HTMLElement {
  return h(
    "details",
    { class: "raw" },
    h("summary", {}, `what 8x8 got (HTTP ${turn.status}, ${turn.ms} ms)`),
    h("pre", {}, JSON.stringify({ callflow: turn.callflow }, null, 2)),
  );
}

function endLine(call: CallView): HTMLElement {
  const end = call.ended!;
  const summary = end.summary;
  const outcome = summary?.outcome;
  const rows: [string, string | undefined][] = summary
    ? [
        [
          "outcome",
          outcome &&
            [outcome.kind, outcome.state && `in ${outcome.state}`, outcome.result && `result ${outcome.result}`]
              .filter(Boolean)
              .join(", "),
        ],
        ["status", summary.sessionStatus],
        ["final state", summary.finalState],
        ["path", summary.path?.join(" → ")],
        ["duration", summary.durationMs === undefined ? undefined : `${(summary.durationMs / 1000).toFixed(1)} s`],
        [
          "variables",
          summary.vars && Object.keys(summary.vars).length > 0
            ? Object.entries(summary.vars)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ")
            : undefined,
        ],
      ]
    : [];
  return h(
    "li",
    { class: "ended" },
    h(
      "p",
      {},
      `Call over (${end.by === "caller" ? "you hung up" : `the flow ended it: ${end.lastAction}`}). 8x8's session summary was sent to /vss and stored:`,
    ),
    summary
      ? h(
          "dl",
          { class: "summary" },
          rows.flatMap(([k, v]) => (v ? [h("dt", {}, k), h("dd", {}, v)] : [])),
        )
      : h("p", {}, "(no summary stored)"),
  );
}

/** `now` on the wall clock of `timeZone`, as a datetime-local input wants it. */
function wallClock(now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}
