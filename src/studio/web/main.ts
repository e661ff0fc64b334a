/**
 * The studio page: the flows (live through server-sent events), the diagram of the one chosen, what a state is
 * in YAML, overlays, and the phone. Talks to the server over HTTP only (api.ts).
 */
import "./studio.css";
import type {
  CallView,
  CoverageOverlay,
  DiagramNode,
  FlowDetail,
  FlowList,
  FlowSummary,
  TrafficOverlay,
} from "../protocol.js";
import { api } from "./api.js";
import { type CallMarks, DiagramView, type Overlay } from "./diagram.js";
import { byId, fill, h } from "./dom.js";
import { engine } from "./layout.js";
import { PhonePanel } from "./phone.js";

type OverlayMode = "none" | "coverage" | "traffic";

const state: {
  flows: FlowSummary[];
  current: string | null;
  detail: FlowDetail | null;
  overlay: OverlayMode;
  coverage: CoverageOverlay | null;
  traffic: TrafficOverlay | null;
  call: CallView | undefined;
} = { flows: [], current: null, detail: null, overlay: "none", coverage: null, traffic: null, call: undefined };

const canvas = byId("canvas");
const diagram = new DiagramView(canvas, (id) => showState(id));
const phone = new PhonePanel(byId("phone-body"), (call) => {
  state.call = call;
  markCall();
});
const overlayStatus = byId("overlay-status");

// ------------------------------------------------------------------------------------------- flows, live

function connect(): void {
  const live = byId("live");
  const events = new EventSource("/studio/api/events");
  const onList = (event: MessageEvent<string>) => {
    live.textContent = "live: saving a flow file updates this page";
    live.classList.remove("offline");
    void applyList(JSON.parse(event.data) as FlowList);
  };
  events.addEventListener("hello", onList);
  events.addEventListener("flows", onList);
  events.addEventListener("error", () => {
    live.textContent = "offline: reconnecting to the local stack…";
    live.classList.add("offline");
  });
}

async function applyList(list: FlowList): Promise<void> {
  const before = new Map(state.flows.map((f) => [f.flow, JSON.stringify(f)]));
  state.flows = list.flows;
  renderFlowList();
  const wanted = flowFromHash() ?? state.current ?? list.flows[0]?.flow ?? null;
  if (wanted && wanted !== state.current) return openFlow(wanted);
  if (state.current) {
    const now = list.flows.find((f) => f.flow === state.current);
    if (now && before.get(now.flow) !== JSON.stringify(now)) await openFlow(state.current);
  }
}

function renderFlowList(): void {
  const list = byId("flow-list");
  fill(
    list,
    ...state.flows.map((f) =>
      h(
        "li",
        {},
        h(
          "a",
          {
            href: `#/flow/${encodeURIComponent(f.flow)}`,
            class: `flow-item status-${f.status}`,
            "aria-current": f.flow === state.current ? "page" : null,
            "data-flow": f.flow,
          },
          h("span", { class: "flow-name" }, f.flow),
          h("span", { class: "badge", "aria-label": statusText(f) }, statusIcon(f)),
          h(
            "span",
            { class: "flow-meta" },
            f.version ? `v${f.version.slice(0, 8)}` : "not compiled",
            " · ",
            f.numbers.length ? f.numbers.join(", ") : "outbound only",
          ),
        ),
      ),
    ),
  );
}

function statusIcon(f: FlowSummary): string {
  return f.status === "errors" ? `✗ ${f.errors}` : f.status === "warnings" ? `⚠ ${f.warnings}` : "✓";
}

function statusText(f: FlowSummary): string {
  if (f.status === "errors") return `${f.errors} error${f.errors === 1 ? "" : "s"}`;
  if (f.status === "warnings") return `${f.warnings} warning${f.warnings === 1 ? "" : "s"}`;
  return "checks pass";
}

function flowFromHash(): string | null {
  const m = /^#\/flow\/(.+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

let opening = 0;

async function openFlow(id: string): Promise<void> {
  const started = performance.now();
  const ticket = ++opening;
  const switching = id !== state.current;
  let detail: FlowDetail;
  try {
    detail = await api.flow(id);
  } catch (err) {
    fill(
      byId("flow-head"),
      h("p", { class: "error" }, `Cannot open ${id}: ${err instanceof Error ? err.message : String(err)}`),
    );
    return;
  }
  if (ticket !== opening) return;
  const versionChanged = state.detail?.version !== detail.version;
  state.current = id;
  state.detail = detail;
  if (switching) {
    state.coverage = null;
    state.traffic = null;
    diagram.clear();
    diagram.select(null);
  }
  renderFlowList();
  renderHead(detail);
  renderProblems(detail);
  phone.setFlow(detail);
  renderLegend(detail);
  if (detail.diagram) {
    await diagram.show(detail.diagram);
    if (ticket !== opening) return;
    const total = performance.now() - started;
    canvas.dataset.renderMs = total.toFixed(0);
    canvas.dataset.layoutMs = diagram.lastTiming.layoutMs.toFixed(0);
    console.info(
      `studio: ${id} drawn in ${total.toFixed(0)} ms (layout ${diagram.lastTiming.layoutMs.toFixed(0)} ms, ${detail.diagram.nodes.length} nodes)`,
    );
  } else {
    diagram.clear();
  }
  markCall();
  if (switching) showState(null);
  else showState(diagram.selection);
  if (state.overlay !== "none" && (switching || versionChanged)) void loadOverlay();
  else applyOverlay();
}

function renderHead(d: FlowDetail): void {
  const served =
    d.served && d.version && d.served !== d.version
      ? h(
          "p",
          { class: "note" },
          `The local stack still answers with v${d.served}: it keeps the previous flows while any flow has errors.`,
        )
      : !d.served
        ? h(
            "p",
            { class: "note" },
            "The local stack does not serve this flow: it has not compiled since the stack started.",
          )
        : null;
  fill(
    byId("flow-head"),
    h("h2", { id: "flow-title" }, d.flow, " ", h("span", { class: `badge status-${d.status}` }, statusText(d))),
    h(
      "p",
      { class: "flow-facts" },
      d.description ? `${d.description} · ` : "",
      d.version ? `version ${d.version}` : "no good version yet",
      " · ",
      d.numbers.length ? `numbers ${d.numbers.join(", ")}` : "outbound only (no inbound numbers)",
      " · ",
      h("code", {}, d.file),
    ),
    served,
  );
}

function renderProblems(d: FlowDetail): void {
  const box = byId("problems");
  if (!d.report) {
    box.hidden = true;
    fill(box);
    return;
  }
  const errors = d.status === "errors";
  box.hidden = false;
  box.className = `problems ${errors ? "has-errors" : "has-warnings"}`;
  box.setAttribute("role", errors ? "alert" : "status");
  fill(
    box,
    h(
      "h3",
      {},
      errors
        ? `${statusText(d)} in ${d.file}${d.diagram ? `: the diagram shows the last good version (v${d.version})` : ""}`
        : `${statusText(d)} in ${d.file}`,
    ),
    h("pre", { class: "report" }, d.report),
  );
}

function renderLegend(d: FlowDetail): void {
  const kinds = [...new Set((d.diagram?.nodes ?? []).map((n) => n.kind))].filter(
    (k) => !["start", "error", "keys"].includes(k),
  );
  fill(
    byId("legend"),
    ...kinds.map((k) => h("span", { class: `swatch kind-${k}` }, k)),
    h("span", { class: "swatch dashed" }, "dashed: global key or error route"),
    h(
      "span",
      { class: "swatch retries" },
      "∅ no input · ? no match · ! invalid: prompts again · end: hangs up after the last attempt",
    ),
  );
}

// ------------------------------------------------------------------------------------------- inspector

function showState(id: string | null): void {
  const body = byId("inspector-body");
  const d = state.detail;
  const node = id ? d?.diagram?.nodes.find((n) => n.id === id) : undefined;
  if (!d || !node) {
    fill(
      body,
      h(
        "p",
        { class: "hint" },
        "Select a state in the diagram (click it, or Tab to the diagram, arrow keys, Enter) to see its YAML.",
      ),
    );
    return;
  }
  fill(
    body,
    h("h3", {}, node.label, " ", h("span", { class: `kind-chip kind-${node.kind}` }, node.kind)),
    node.marks?.length ? h("p", { class: "marks" }, node.marks.join(" · ")) : null,
    yamlOf(d, node),
    countsOf(node),
  );
  void refreshCounts(d.flow, node.id);
}

let countsAsked = 0;

/** A state's `ivr report` figures, whatever the overlay: fetched when a state is selected (at most every 2 s). */
async function refreshCounts(flow: string, id: string): Promise<void> {
  if (state.overlay === "traffic" || Date.now() - countsAsked < 2_000) return;
  countsAsked = Date.now();
  try {
    const traffic = await api.traffic(flow);
    if (state.current !== flow || state.overlay === "traffic") return;
    state.traffic = traffic;
    if (diagram.selection === id) showState(id);
  } catch {
    // the figures are an extra: the YAML is shown without them
  }
}

function yamlOf(d: FlowDetail, node: DiagramNode): HTMLElement | null {
  if (!node.lines || d.source === null) return null;
  const [from, to] = node.lines;
  const lines = d.source.split("\n").slice(from - 1, to);
  return h(
    "figure",
    { class: "yaml" },
    h("figcaption", {}, h("code", {}, `${d.file}:${from}${to > from ? `-${to}` : ""}`)),
    h(
      "pre",
      { "aria-label": `YAML lines ${from} to ${to}` },
      lines.map((text, i) =>
        h("span", { class: "line" }, h("span", { class: "ln", "aria-hidden": "true" }, String(from + i)), text, "\n"),
      ),
    ),
  );
}

function countsOf(node: DiagramNode): HTMLElement | null {
  const rows: [string, string][] = [];
  const traffic = state.traffic?.flow === state.current ? state.traffic.states[node.id] : undefined;
  if (traffic && traffic.entered > 0) {
    for (const [k, v] of Object.entries(traffic)) rows.push([k, String(v)]);
  }
  const coverage = state.coverage;
  if (coverage) rows.push(["reached by scenarios", coverage.states.uncovered.includes(node.id) ? "no" : "yes"]);
  if (rows.length === 0) return null;
  return h(
    "section",
    { "aria-label": "Figures" },
    traffic && traffic.entered > 0
      ? h(
          "p",
          { class: "hint" },
          `From the local stack's calls (${state.traffic!.source.replace(/^ivr report over the local stack's calls /, "")}):`,
        )
      : null,
    h(
      "dl",
      { class: "counts" },
      rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
    ),
  );
}

// ------------------------------------------------------------------------------------------- overlays

for (const radio of document.querySelectorAll<HTMLInputElement>("input[name=overlay]")) {
  radio.addEventListener("change", () => {
    state.overlay = radio.value as OverlayMode;
    void loadOverlay();
  });
}

async function loadOverlay(): Promise<void> {
  const d = state.detail;
  if (!d) return;
  const mode = state.overlay;
  try {
    if (mode === "coverage") {
      overlayStatus.textContent = "running the scenarios…";
      state.coverage = await api.coverage(d.flow);
      const c = state.coverage;
      const failed = c.scenarios.filter((s) => !s.passed).length;
      overlayStatus.textContent = `${c.scenarios.length} scenarios (${failed} failed) reach ${c.states.covered}/${c.states.total} states and ${c.transitions.covered}/${c.transitions.total} transitions`;
    } else if (mode === "traffic") {
      overlayStatus.textContent = "reading the local stack's calls…";
      state.traffic = await api.traffic(d.flow);
      overlayStatus.textContent = `${state.traffic.calls} calls (${state.traffic.source})`;
    } else {
      overlayStatus.textContent = "";
    }
  } catch (err) {
    overlayStatus.textContent = err instanceof Error ? err.message : String(err);
  }
  applyOverlay();
  showState(diagram.selection);
}

function applyOverlay(): void {
  const d = state.detail?.diagram;
  if (!d || state.overlay === "none") {
    diagram.setOverlay(undefined);
    return;
  }
  const overlay: Overlay = { nodes: new Map(), edges: new Map(), notes: new Map(), edgeNotes: new Map() };
  if (state.overlay === "coverage" && state.coverage) {
    const states = new Set(state.coverage.states.uncovered);
    const edges = new Set(state.coverage.transitions.uncovered);
    for (const node of d.nodes) {
      if (["start", "error", "keys"].includes(node.kind)) continue;
      overlay.nodes.set(node.id, states.has(node.id) ? "uncovered" : "covered");
      for (const { coverageId } of [...(node.retries ?? []), ...(node.hangsUp ? [node.hangsUp] : [])]) {
        overlay.edges.set(coverageId, edges.has(coverageId) ? "uncovered" : "covered");
      }
    }
    for (const edge of d.edges) {
      for (const id of edge.coverageIds) overlay.edges.set(id, edges.has(id) ? "uncovered" : "covered");
    }
  }
  if (state.overlay === "traffic" && state.traffic) {
    const t = state.traffic;
    for (const [id, s] of Object.entries(t.states)) {
      overlay.notes!.set(id, s.abandoned > 0 ? `${s.entered} in · ${s.abandoned} hung up` : `${s.entered} in`);
      overlay.nodes.set(id, s.entered > 0 ? "traffic" : "no-traffic");
    }
    for (const [id, count] of Object.entries(t.edges)) {
      overlay.edgeNotes!.set(id, String(count));
      overlay.edges.set(id, "traffic");
    }
  }
  diagram.setOverlay(overlay);
}

// ------------------------------------------------------------------------------------------- the call

function markCall(): void {
  const call = state.call;
  if (!call || call.flow !== state.current) {
    diagram.setCall(undefined);
    return;
  }
  const marks: CallMarks = { current: call.state, visited: new Set(call.path), taken: new Set(call.taken) };
  diagram.setCall(marks);
}

// ------------------------------------------------------------------------------------------- wiring

byId("zoom-in").addEventListener("click", () => diagram.zoomBy(1.25));
byId("zoom-out").addEventListener("click", () => diagram.zoomBy(0.8));
byId("zoom-fit").addEventListener("click", () => diagram.fit());
window.addEventListener("hashchange", () => {
  const id = flowFromHash();
  if (id && id !== state.current) void openFlow(id);
});
engine();
connect();
