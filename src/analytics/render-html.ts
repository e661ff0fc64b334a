/**
 * `ivr report --html report.html`: one self-contained page (inline CSS and SVG, no script, no network) with, per
 * flow version, the outcome split as a bar, the funnel (calls entering each state and those who hung up there)
 * as bars, and the tables of the terminal report.
 */

import { duration, percent, stateRows } from "./render-table.js";
import type { FlowReport, Report } from "./report.js";

const COLORS = { completed: "#2e7d32", transferred: "#1565c0", abandoned: "#c62828", failed: "#6a1b9a" } as const;

export function renderHtml(report: Report): string {
  const title = `Call report ${report.window.from} to ${report.window.to}`;
  const body = report.flows.length === 0 ? "<p>No calls in this window.</p>" : report.flows.map(flowSection).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; max-width: 1100px; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.card b { display: block; font-size: 1.3rem; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child, td.text, th:last-child { text-align: left; }
.legend span { display: inline-block; margin-right: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: middle; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${body}
</body>
</html>
`;
}

function flowSection(f: FlowReport): string {
  const cards = [
    ["calls", String(f.calls)],
    ["containment", percent(f.containmentRate)],
    ["completed", String(f.outcomes.completed)],
    ["transferred", String(f.outcomes.transferred)],
    ["abandoned", String(f.outcomes.abandoned)],
    ["failed", String(f.outcomes.failed)],
    ["duration p50", duration(f.durationMs.p50)],
    ["duration p90", duration(f.durationMs.p90)],
    ...(f.unreached.total > 0 ? [["unreached", String(f.unreached.total)]] : []),
  ];
  return `<section>
<h2>${esc(f.flow)} <small>v${esc(f.version)}</small></h2>
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k ?? "")}<b>${esc(v ?? "")}</b></div>`).join("")}</div>
${outcomeBar(f)}
<h3>Where callers go and where they hang up</h3>
${funnel(f)}
${stateTable(f)}
${fetchTable(f)}
</section>`;
}

function outcomeBar(f: FlowReport): string {
  const width = 800;
  let x = 0;
  const parts: string[] = [];
  for (const kind of Object.keys(COLORS) as (keyof typeof COLORS)[]) {
    const n = f.outcomes[kind];
    if (n === 0 || f.calls === 0) continue;
    const w = (n / f.calls) * width;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${COLORS[kind]}"><title>${kind}: ${n}</title></rect>`,
    );
    if (w > 60) {
      parts.push(
        `<text x="${(x + 6).toFixed(1)}" y="19" fill="#fff" font-size="12">${kind} ${percent(n / f.calls)}</text>`,
      );
    }
    x += w;
  }
  const legend = (Object.keys(COLORS) as (keyof typeof COLORS)[])
    .map((k) => `<span><i style="background:${COLORS[k]}"></i>${k} ${f.outcomes[k]}</span>`)
    .join("");
  return `<svg role="img" aria-label="outcomes" width="${width}" height="28" viewBox="0 0 ${width} 28">${parts.join("")}</svg>
<div class="legend">${legend}</div>`;
}

function funnel(f: FlowReport): string {
  const states = Object.entries(f.states);
  const max = Math.max(1, ...states.map(([, s]) => s.entered));
  const row = 24;
  const labelWidth = 180;
  const barWidth = 560;
  const bars = states.map(([id, s], i) => {
    const y = i * row;
    const w = (s.entered / max) * barWidth;
    const a = (s.abandoned / max) * barWidth;
    const drop = s.entered > 0 ? ` (${percent(s.abandoned / s.entered)} hung up)` : "";
    return `<text x="0" y="${y + 16}" font-size="12">${esc(truncate(id, 26))}</text>
<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="16" fill="#90caf9"><title>${esc(id)}: entered ${s.entered}</title></rect>
<rect x="${labelWidth}" y="${y + 4}" width="${a.toFixed(1)}" height="16" fill="${COLORS.abandoned}"><title>${esc(id)}: abandoned ${s.abandoned}</title></rect>
<text x="${labelWidth + w + 6}" y="${y + 16}" font-size="12">${s.entered}${s.abandoned > 0 ? ` · ${s.abandoned} abandoned${drop}` : ""}</text>`;
  });
  const height = Math.max(row, states.length * row);
  return `<svg role="img" aria-label="funnel" width="${labelWidth + barWidth + 260}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 260} ${height}">
${bars.join("\n")}
</svg>
<div class="legend"><span><i style="background:#90caf9"></i>entered</span><span><i style="background:${COLORS.abandoned}"></i>caller hung up here</span></div>`;
}

function stateTable(f: FlowReport): string {
  const { header, rows } = stateRows(f);
  const cell = (c: string, i: number) =>
    i < 2 || i === header.length - 1 ? `<td class="text">${esc(c)}</td>` : `<td>${esc(c)}</td>`;
  const body = rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`).join("");
  return `<table><thead><tr>${header.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>`;
}

function fetchTable(f: FlowReport): string {
  const rows = Object.entries(f.states).flatMap(([id, s]) => {
    if (!s.fetch) return [];
    const x = s.fetch;
    return [
      `<tr><td>${esc(id)}</td><td>${x.requests}</td><td>${x.errors}</td><td>${percent(x.errorRate)}</td><td>${x.latencyMs.p50 ?? "-"} ms</td><td>${x.latencyMs.p95 ?? "-"} ms</td></tr>`,
    ];
  });
  if (rows.length === 0) return "";
  return `<h3>Fetch states</h3><table><thead><tr><th>state</th><th>requests</th><th>errors</th><th>error rate</th><th>p50</th><th>p95</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
