/**
 * The diagram: an SVG of the laid-out flow with zoom and pan, selection by mouse or keyboard (arrow keys move
 * between states, Enter selects, + and - zoom, f fits), and overlays (coverage, traffic, the call in progress)
 * applied as classes so a redraw keeps them. A new version of the flow keeps the selection and the view.
 */
import type { Diagram, DiagramEdge } from "../protocol.js";
import { s } from "./dom.js";
import { FONT, type Layout, layoutDiagram, type PlacedNode, textWidth } from "./layout.js";

export interface Overlay {
  /** node id -> class (e.g. covered, uncovered) */
  nodes: Map<string, string>;
  /** coverage id -> class */
  edges: Map<string, string>;
  /** node id -> a short note drawn on the node (e.g. traffic counts) */
  notes?: Map<string, string>;
  /** coverage id -> a note drawn on the edge */
  edgeNotes?: Map<string, string>;
}

export interface CallMarks {
  current: string | null;
  visited: Set<string>;
  /** coverage ids of the transitions the call took */
  taken: Set<string>;
}

interface View {
  x: number;
  y: number;
  k: number;
}

const KIND_NAMES: Record<string, string> = {
  say: "say",
  play: "play",
  menu: "menu",
  ask: "ask",
  branch: "branch",
  set: "set",
  hours: "hours",
  transfer: "transfer",
  hangup: "hang up",
  fetch: "fetch",
};

/** Retry self-loops drawn as badges: [text, tooltip]. */
const RETRY_BADGES: Record<string, [string, string]> = {
  noInput: ["∅", "no input: prompts again"],
  noMatch: ["?", "no match: prompts again"],
  invalid: ["!", "invalid input: prompts again"],
};

export class DiagramView {
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private diagram: Diagram | undefined;
  private layout: Layout | undefined;
  private readonly layouts = new Map<string, Layout>();
  private view: View | undefined;
  private selected: string | null = null;
  private focused: string | null = null;
  private order: string[] = [];
  private overlay: Overlay | undefined;
  private call: CallMarks | undefined;
  private nodeEls = new Map<string, SVGGElement>();
  private edgeEls: { edge: DiagramEdge; el: SVGGElement }[] = [];
  /** the last drawing's timings, for the 500-state figure */
  lastTiming = { layoutMs: 0, renderMs: 0 };

  constructor(
    private readonly container: HTMLElement,
    private readonly onSelect: (id: string | null) => void,
  ) {
    this.svg = s("svg", {
      class: "diagram",
      role: "group",
      "aria-roledescription": "flow diagram",
      "aria-label": "Flow diagram",
    });
    // one arrowhead per colour: CSS picks the marker with the edge's state (marker-end is a CSS property)
    const arrow = (id: string) =>
      s(
        "marker",
        {
          id,
          viewBox: "0 0 10 10",
          refX: "9",
          refY: "5",
          markerWidth: "9",
          markerHeight: "9",
          markerUnits: "userSpaceOnUse",
          orient: "auto-start-reverse",
        },
        s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: id }),
      );
    this.svg.append(
      s("defs", {}, ["arrow", "arrow-hot", "arrow-ok", "arrow-bad", "arrow-key", "arrow-error"].map(arrow)),
    );
    this.viewport = s("g", { class: "viewport" });
    this.svg.append(this.viewport);
    container.append(this.svg);
    this.enablePanZoom();
    this.svg.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** Lays out (once per version) and draws; resolves when the drawing is on screen. */
  async show(diagram: Diagram): Promise<void> {
    const started = performance.now();
    this.diagram = diagram;
    let layout = this.layouts.get(diagram.version);
    if (!layout) {
      layout = await layoutDiagram(diagram);
      this.layouts.set(diagram.version, layout);
    }
    if (this.diagram !== diagram) return; // a newer version arrived while this one was laid out
    const laidOut = performance.now();
    this.layout = layout;
    this.draw();
    await new Promise((r) => requestAnimationFrame(() => r(undefined)));
    this.lastTiming = { layoutMs: laidOut - started, renderMs: performance.now() - laidOut };
    this.container.dataset.version = diagram.version;
  }

  /** Forgets the drawing and the view (another flow is coming). */
  clear(): void {
    this.diagram = undefined;
    this.layout = undefined;
    this.view = undefined;
    this.viewport.replaceChildren();
    this.nodeEls.clear();
    this.edgeEls = [];
    delete this.container.dataset.version;
  }

  select(id: string | null): void {
    this.selected = id && this.nodeEls.has(id) ? id : null;
    for (const [nodeId, el] of this.nodeEls) {
      el.classList.toggle("selected", nodeId === this.selected);
      el.setAttribute("aria-pressed", String(nodeId === this.selected));
    }
    if (this.selected) this.setFocusable(this.selected);
  }

  get selection(): string | null {
    return this.selected;
  }

  setOverlay(overlay: Overlay | undefined): void {
    this.overlay = overlay;
    if (this.layout) this.draw();
  }

  setCall(call: CallMarks | undefined): void {
    const moved = call?.current && call.current !== this.call?.current;
    this.call = call;
    this.applyCall();
    // follow the call as it moves; a redraw (a flow saved mid-call) keeps the view where it is
    if (moved && call?.current) this.reveal(call.current);
  }

  zoomBy(factor: number): void {
    const rect = this.svg.getBoundingClientRect();
    this.zoomAround(factor, rect.width / 2, rect.height / 2);
  }

  /** The whole flow in view (`readable`: unless that makes it unreadable; then its start at a readable size). */
  fit(readable = false): void {
    if (!this.layout) return;
    const rect = this.svg.getBoundingClientRect();
    const margin = 24;
    const k = Math.min(
      1.2,
      (rect.width - margin * 2) / this.layout.width,
      (rect.height - margin * 2) / this.layout.height,
    );
    if (!readable || k >= 0.45) {
      this.view = {
        k,
        x: (rect.width - this.layout.width * k) / 2,
        y: Math.max(margin, (rect.height - this.layout.height * k) / 2),
      };
    } else {
      const start = [...this.layout.nodes.values()].find((n) => n.node.kind === "start");
      const k1 = 0.8;
      this.view = { k: k1, x: rect.width / 2 - ((start?.x ?? 0) + (start?.width ?? 0) / 2) * k1, y: margin };
    }
    this.applyView();
  }

  private draw(): void {
    const layout = this.layout!;
    const diagram = this.diagram!;
    const edgesGroup = s("g", { class: "edges" });
    const nodesGroup = s("g", { class: "nodes" });
    this.nodeEls.clear();
    this.edgeEls = [];
    for (const edge of diagram.edges) {
      const placed = layout.edges.get(edge.id);
      if (!placed) continue;
      const cls = this.edgeClass(edge);
      const note = this.edgeNote(edge);
      const d = placed.points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
      const text = note ? (placed.label?.text ? `${placed.label.text} · ${note}` : note) : placed.label?.text;
      const g = s(
        "g",
        { class: `edge ${edge.style} ${cls}`.trim(), "data-on": edge.on, "data-from": edge.from, "data-to": edge.to },
        s("path", { d }),
      );
      if (text) {
        const at = placed.label ?? { x: placed.points[0]!.x, y: placed.points[0]!.y, width: 0, height: 14 };
        const width = textWidth(text, FONT.edge) + 6;
        g.append(
          s("rect", { class: "edge-label-bg", x: at.x + at.width / 2 - width / 2, y: at.y, width, height: 14, rx: 3 }),
          s("text", { class: "edge-label", x: at.x + at.width / 2, y: at.y + 11, "text-anchor": "middle" }, text),
        );
      }
      edgesGroup.append(g);
      this.edgeEls.push({ edge, el: g });
    }
    for (const placed of layout.nodes.values()) {
      const g = this.drawNode(placed);
      nodesGroup.append(g);
      this.nodeEls.set(placed.node.id, g);
    }
    this.viewport.replaceChildren(edgesGroup, nodesGroup);
    this.order = [...layout.nodes.values()]
      .filter((n) => isState(n))
      .sort((a, b) => a.y - b.y || a.x - b.x)
      .map((n) => n.node.id);
    this.svg.setAttribute("aria-label", `Flow diagram of ${diagram.flow}: ${this.order.length} states`);
    this.select(this.selected);
    this.setFocusable(
      this.focused && this.nodeEls.has(this.focused) ? this.focused : (this.selected ?? this.order[0] ?? null),
    );
    this.applyCall();
    if (!this.view) this.fit(true);
    else this.applyView();
  }

  /** An edge drawing several transitions is covered when all are, uncovered when none is, else partly. */
  private edgeClass(edge: DiagramEdge): string {
    const classes = new Set(edge.coverageIds.map((id) => this.overlay?.edges.get(id) ?? ""));
    if (classes.size === 1) return [...classes][0]!;
    return classes.has("covered") ? "partly-covered" : ([...classes].find(Boolean) ?? "");
  }

  /** Traffic counts of the transitions an edge draws, added up. */
  private edgeNote(edge: DiagramEdge): string | undefined {
    const notes = edge.coverageIds.map((id) => this.overlay?.edgeNotes?.get(id)).filter((n) => n !== undefined);
    if (notes.length === 0) return undefined;
    const numbers = notes.map(Number);
    return numbers.every(Number.isFinite) ? String(numbers.reduce((a, b) => a + b, 0)) : notes.join(", ");
  }

  private drawNode(placed: PlacedNode): SVGGElement {
    const { node, x, y, width, height } = placed;
    const overlayClass = this.overlay?.nodes.get(node.id) ?? "";
    const g = s("g", {
      class: `node kind-${node.kind} ${overlayClass}`.trim(),
      transform: `translate(${x},${y})`,
      "data-id": node.id,
    });
    if (!isState(placed)) {
      g.append(
        s("rect", { class: "box", width, height, rx: node.kind === "keys" ? 6 : height / 2 }),
        s(
          "text",
          { class: "marker-label", x: width / 2, y: node.kind === "keys" ? 17 : 18, "text-anchor": "middle" },
          node.label,
        ),
      );
      if (node.kind === "keys") {
        g.append(s("text", { class: "detail", x: width / 2, y: 34, "text-anchor": "middle" }, node.detail ?? ""));
      }
      return g;
    }
    const kindName = KIND_NAMES[node.kind] ?? node.kind;
    g.setAttribute("tabindex", "-1");
    g.setAttribute("role", "button");
    g.setAttribute("aria-pressed", "false");
    const marks = node.marks?.length ? ` (${node.marks.join(", ")})` : "";
    const note = this.overlay?.notes?.get(node.id);
    g.setAttribute(
      "aria-label",
      `${node.label}, ${kindName}${marks}${node.detail ? `: ${node.detail}` : ""}${note ? `; ${note}` : ""}`,
    );
    g.append(
      s("rect", { class: "box", width, height, rx: node.kind === "transfer" || node.kind === "hangup" ? 14 : 5 }),
      s("rect", { class: "stripe", width: 5, height, rx: 2 }),
      s("text", { class: "kind", x: 12, y: 14 }, kindName.toUpperCase()),
      s("text", { class: "label", x: 12, y: 31 }, node.label),
    );
    if (placed.detail) g.append(s("text", { class: "detail", x: 12, y: 48 }, placed.detail));
    let bx = width - 8;
    const badge = (text: string, title: string, coverageId: string, w = 18) => {
      const cls = this.overlay?.edges.get(coverageId) ?? "";
      g.append(
        s(
          "g",
          { class: `retry ${cls}`.trim(), transform: `translate(${bx - w},4)` },
          s("title", {}, title),
          s("rect", { width: w, height: 14, rx: 7 }),
          s("text", { x: w / 2, y: 11, "text-anchor": "middle" }, text),
        ),
      );
      bx -= w + 4;
    };
    if (node.hangsUp) badge("end", "after the last attempt: hangs up", node.hangsUp.coverageId, 28);
    for (const retry of [...(node.retries ?? [])].reverse()) {
      const [text, title] = RETRY_BADGES[retry.on] ?? ["↺", retry.on];
      badge(text, title, retry.coverageId);
    }
    if (note) {
      const w = textWidth(note, FONT.edge) + 10;
      g.append(
        s("rect", { class: "note-bg", x: width - w, y: -16, width: w, height: 15, rx: 7 }),
        s("text", { class: "note", x: width - w / 2, y: -5, "text-anchor": "middle" }, note),
      );
    }
    g.append(s("title", {}, `${node.label} (${kindName})${marks}${node.detail ? `\n${node.detail}` : ""}`));
    g.addEventListener("click", (event) => {
      event.stopPropagation();
      this.setFocusable(node.id);
      (g as unknown as HTMLElement).focus({ preventScroll: true });
      this.choose(node.id);
    });
    return g;
  }

  private choose(id: string | null): void {
    this.select(id);
    this.onSelect(this.selected);
  }

  private applyCall(): void {
    const call = this.call;
    for (const [id, el] of this.nodeEls) {
      el.classList.toggle("current", call?.current === id);
      el.classList.toggle("visited", call?.visited.has(id) === true && call.current !== id);
      if (call?.current === id) el.setAttribute("aria-current", "step");
      else el.removeAttribute("aria-current");
    }
    for (const { edge, el } of this.edgeEls)
      el.classList.toggle(
        "taken",
        edge.coverageIds.some((id) => call?.taken.has(id)),
      );
  }

  private setFocusable(id: string | null): void {
    if (this.focused && this.focused !== id) this.nodeEls.get(this.focused)?.setAttribute("tabindex", "-1");
    this.focused = id;
    if (id) this.nodeEls.get(id)?.setAttribute("tabindex", "0");
  }

  private onKey(event: KeyboardEvent): void {
    const action = this.keyAction(event.key, event.target as Element);
    if (!action) return;
    event.preventDefault();
    action();
  }

  /** What a key does in the diagram: zoom anywhere in it, move and select on a state. */
  private keyAction(key: string, target: Element): (() => void) | undefined {
    if (key === "+" || key === "=") return () => this.zoomBy(1.25);
    if (key === "-" || key === "_") return () => this.zoomBy(0.8);
    if (key === "f") return () => this.fit();
    const id = target.closest?.(".node[data-id]")?.getAttribute("data-id");
    if (!id) return undefined;
    const index = this.order.indexOf(id);
    const move = (to: number) => () => {
      const next = this.order[Math.max(0, Math.min(this.order.length - 1, to))];
      if (!next) return;
      this.setFocusable(next);
      (this.nodeEls.get(next) as unknown as HTMLElement).focus({ preventScroll: true });
      this.reveal(next);
    };
    switch (key) {
      case "ArrowDown":
      case "ArrowRight":
        return move(index + 1);
      case "ArrowUp":
      case "ArrowLeft":
        return move(index - 1);
      case "Home":
        return move(0);
      case "End":
        return move(this.order.length - 1);
      case "Enter":
      case " ":
        return () => this.choose(id);
      case "Escape":
        return () => this.choose(null);
      default:
        return undefined;
    }
  }

  /** Pans just enough to bring a node into view. */
  private reveal(id: string): void {
    const placed = this.layout?.nodes.get(id);
    if (!placed || !this.view) return;
    const rect = this.svg.getBoundingClientRect();
    const { k } = this.view;
    const left = placed.x * k + this.view.x;
    const top = placed.y * k + this.view.y;
    const right = left + placed.width * k;
    const bottom = top + placed.height * k;
    const pad = 24;
    if (left < pad || right > rect.width - pad) this.view.x += rect.width / 2 - (left + right) / 2;
    if (top < pad || bottom > rect.height - pad) this.view.y += rect.height / 2 - (top + bottom) / 2;
    this.applyView();
  }

  private applyView(): void {
    if (!this.view) return;
    const { x, y, k } = this.view;
    this.viewport.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
  }

  private zoomAround(factor: number, cx: number, cy: number): void {
    if (!this.view) return;
    const k = Math.min(3, Math.max(0.05, this.view.k * factor));
    const ratio = k / this.view.k;
    this.view = { k, x: cx - (cx - this.view.x) * ratio, y: cy - (cy - this.view.y) * ratio };
    this.applyView();
  }

  private enablePanZoom(): void {
    this.svg.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const rect = this.svg.getBoundingClientRect();
        if (event.ctrlKey || event.metaKey || !event.shiftKey) {
          this.zoomAround(Math.exp(-event.deltaY * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
        }
      },
      { passive: false },
    );
    let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | undefined;
    this.svg.addEventListener("pointerdown", (event) => {
      if (!this.view || event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, vx: this.view.x, vy: this.view.y, moved: false };
    });
    this.svg.addEventListener("pointermove", (event) => {
      if (!drag || !this.view) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.svg.setPointerCapture(event.pointerId);
      drag.moved = true;
      this.svg.classList.add("panning");
      this.view.x = drag.vx + dx;
      this.view.y = drag.vy + dy;
      this.applyView();
    });
    const end = (event: PointerEvent) => {
      if (drag?.moved) {
        // a drag is not a click on whatever it ends over
        const swallow = (e: Event) => e.stopPropagation();
        window.addEventListener("click", swallow, { capture: true, once: true });
        setTimeout(() => window.removeEventListener("click", swallow, { capture: true }), 0);
      }
      if (this.svg.hasPointerCapture(event.pointerId)) this.svg.releasePointerCapture(event.pointerId);
      this.svg.classList.remove("panning");
      drag = undefined;
    };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
    this.svg.addEventListener("click", () => this.choose(null));
  }
}

function isState(placed: PlacedNode): boolean {
  const kind = placed.node.kind;
  return kind !== "start" && kind !== "error" && kind !== "keys";
}
