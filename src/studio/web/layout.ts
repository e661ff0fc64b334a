/**
 * Diagram layout by elkjs (Eclipse Layout Kernel, layered algorithm), run in its web worker so a big flow never
 * freezes the page. Node sizes come from the text they show, measured once with a canvas.
 */

import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import ELK from "elkjs/lib/elk-api.js";
import type { Diagram, DiagramNode } from "../protocol.js";

export interface Point {
  x: number;
  y: number;
}

export interface PlacedNode {
  node: DiagramNode;
  x: number;
  y: number;
  width: number;
  height: number;
  /** the detail line as shown (cut to fit) */
  detail: string;
}

export interface PlacedEdge {
  id: string;
  points: Point[];
  label?: { text: string; x: number; y: number; width: number; height: number };
}

export interface Layout {
  version: string;
  nodes: Map<string, PlacedNode>;
  edges: Map<string, PlacedEdge>;
  width: number;
  height: number;
  ms: number;
}

/** Beyond this many nodes the layout trades a little polish for speed (and labels are placed by us). */
const LARGE = 150;
const DETAIL_CHARS = 34;
export const FONT = {
  label: "600 13px system-ui, sans-serif",
  detail: "12px system-ui, sans-serif",
  kind: "600 10px system-ui, sans-serif",
  edge: "11px system-ui, sans-serif",
};

let elk: InstanceType<typeof ELK> | undefined;

/** The layout worker; started as the page loads, so its 1.6 MB script is ready before the first flow is. */
export function engine(): InstanceType<typeof ELK> {
  elk ??= new ELK({ workerUrl: "/studio/elk-worker.js" });
  return elk;
}

let context: CanvasRenderingContext2D | null | undefined;

export function textWidth(text: string, font: string): number {
  context ??= document.createElement("canvas").getContext("2d");
  if (!context) return text.length * 7;
  context.font = font;
  return context.measureText(text).width;
}

function cut(text: string | undefined, max: number): string {
  if (!text) return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function size(node: DiagramNode): { width: number; height: number; detail: string } {
  switch (node.kind) {
    case "start":
    case "error":
      return { width: Math.max(64, textWidth(node.label, FONT.detail) + 24), height: 28, detail: "" };
    case "keys": {
      const detail = node.detail ?? "";
      return {
        width: Math.max(textWidth(node.label, FONT.kind), textWidth(detail, FONT.detail)) + 24,
        height: 44,
        detail,
      };
    }
    default: {
      const detail = cut(node.detail, DETAIL_CHARS);
      const badges = ((node.retries?.length ?? 0) + (node.hangsUp ? 1.5 : 0)) * 22;
      const width = Math.max(
        textWidth(node.label, FONT.label),
        textWidth(detail, FONT.detail),
        textWidth(node.kind.toUpperCase(), FONT.kind) + badges + 16,
      );
      return { width: Math.min(260, Math.max(120, width + 24)), height: detail ? 58 : 44, detail };
    }
  }
}

export async function layoutDiagram(diagram: Diagram): Promise<Layout> {
  const started = performance.now();
  const large = diagram.nodes.length > LARGE;
  const sizes = new Map(diagram.nodes.map((n) => [n.id, size(n)]));
  const options: Record<string, string> = {
    "elk.algorithm": "layered",
    "elk.direction": "DOWN",
    "elk.edgeRouting": "ORTHOGONAL",
    "elk.spacing.nodeNode": "28",
    "elk.layered.spacing.nodeNodeBetweenLayers": "44",
    "elk.spacing.edgeLabel": "4",
    "elk.layered.spacing.edgeNodeBetweenLayers": "20",
    "elk.edgeLabels.inline": "true",
    // keep the YAML's order where the layout has a choice: the drawing reads like the file
    "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
    "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    ...(large && {
      // measured on a 500-state flow: together these take the layout from about 4 s to 0.5 s on a busy 2-core
      // machine; the drawing stays readable (straight segments instead of right angles)
      "elk.layered.thoroughness": "1",
      "elk.layered.crossingMinimization.greedySwitch.type": "OFF",
      "elk.layered.nodePlacement.strategy": "SIMPLE",
      "elk.layered.layering.strategy": "LONGEST_PATH",
      "elk.edgeRouting": "POLYLINE",
    }),
  };
  const edgeLabel = (text: string) => ({
    text,
    width: textWidth(text, FONT.edge) + 6,
    height: 14,
  });
  const graph: ElkNode = {
    id: "root",
    layoutOptions: options,
    children: diagram.nodes.map((n) => ({ id: n.id, ...sizes.get(n.id)! })),
    edges: diagram.edges.map(
      (e): ElkExtendedEdge => ({
        id: e.id,
        sources: [e.from],
        targets: [e.to],
        ...(!large && e.label && { labels: [edgeLabel(e.label)] }),
      }),
    ),
  };
  const result = await engine().layout(graph);
  const nodes = new Map<string, PlacedNode>();
  const byId = new Map(diagram.nodes.map((n) => [n.id, n]));
  for (const child of result.children ?? []) {
    const node = byId.get(child.id)!;
    nodes.set(child.id, {
      node,
      x: child.x ?? 0,
      y: child.y ?? 0,
      width: child.width ?? 0,
      height: child.height ?? 0,
      detail: sizes.get(child.id)!.detail,
    });
  }
  const labels = new Map(diagram.edges.map((e) => [e.id, e.label]));
  const edges = new Map<string, PlacedEdge>();
  for (const edge of result.edges ?? []) {
    const section = edge.sections?.[0];
    if (!section) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    const placed: PlacedEdge = { id: edge.id, points };
    const text = labels.get(edge.id);
    const label = edge.labels?.[0];
    if (text && label?.x !== undefined) {
      placed.label = { text, x: label.x, y: label.y ?? 0, width: label.width ?? 0, height: label.height ?? 0 };
    } else if (text) {
      const at = midpoint(points);
      const width = textWidth(text, FONT.edge) + 6;
      placed.label = { text, x: at.x - width / 2, y: at.y - 7, width, height: 14 };
    }
    edges.set(edge.id, placed);
  }
  return {
    version: diagram.version,
    nodes,
    edges,
    width: result.width ?? 0,
    height: result.height ?? 0,
    ms: performance.now() - started,
  };
}

/** The middle of a polyline, measured along it. */
function midpoint(points: Point[]): Point {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distance(points[i - 1]!, points[i]!);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const d = distance(a, b);
    if (d >= left && d > 0) return { x: a.x + ((b.x - a.x) * left) / d, y: a.y + ((b.y - a.y) * left) / d };
    left -= d;
  }
  return points[0] ?? { x: 0, y: 0 };
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}
