import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { CurvePoint } from "./sft.js";

/** The mean sampled reward at the start and at the end of an RL run (see `rewardTrend` in rl.ts). */
export interface RewardTrend {
  /** Steps averaged at each end. */
  window: number;
  /** Mean reward over the first `window` steps. */
  first: number;
  /** Mean reward over the last `window` steps. */
  last: number;
}

/** Metrics of one RL run (GRPO or GRPO+TEMPO). */
export interface RlRunMetrics {
  /** Greedy held-out exact accuracy after the run. */
  heldOutAccuracy: number;
  /** Mean task reward of the sampled responses per step. */
  reward: CurvePoint[];
  /** Mean of `reward` over the first and the last steps (`null` when the run had no step). */
  rewardTrend: RewardTrend | null;
  /** Policy loss per step. */
  loss: CurvePoint[];
  /** Held-out accuracy at evaluation points (step 0 = the warm start). */
  accuracy: CurvePoint[];
  /** Wall time of the run. */
  seconds: number;
}

/** Metrics of one offline preference run (DPO or SimPO). */
export interface PreferenceRunMetrics {
  heldOutAccuracy: number;
  loss: CurvePoint[];
  /** Fraction of training pairs whose implicit reward ranks chosen above rejected, per step. */
  pairAccuracy: CurvePoint[];
  pairs: number;
  seconds: number;
}

/** Per-token advantages over one prompt's group of responses (the prefix-tree heatmap). */
export interface AdvantageHeatmap {
  /** Prompt text. */
  prompt: string;
  /** `[responses][tokens]` decoded token of each cell. */
  tokens: string[][];
  /** `[responses][tokens]` advantage of each cell (same shape as `tokens`). */
  advantages: number[][];
  /** Optional label per row (e.g. the outcome reward). */
  rowLabels?: string[];
}

/** Everything the demo writes to `metrics.json`. */
export interface DemoMetrics {
  backend: string;
  /** Worker threads of the RL training steps (0 = in-process). */
  workers: number;
  seconds: number;
  seed: number;
  quick: boolean;
  task: { name: string; trainSize: number; heldOutSize: number };
  sft: { heldOutAccuracy: number; loss: CurvePoint[]; seconds: number };
  rewardModel: {
    heldOutPairwiseAccuracy: number;
    loss: CurvePoint[];
    trainPairs: number;
    heldOutPairs: number;
    /** `"policy samples"`, or `"synthetic near misses"` when the policy gave no held-out pair. */
    heldOutPairSource: string;
    seconds: number;
  };
  rl: { grpo: RlRunMetrics; tempo: RlRunMetrics };
  dpo: PreferenceRunMetrics;
  simpo: PreferenceRunMetrics;
  /** TEMPO advantages over one prompt's prefix tree (heatmap), when available. */
  tempoHeatmap: AdvantageHeatmap | null;
  /** Which implementation each step used: a package export (`"@rl/credit.grpoAdvantages"`) or a local adapter. */
  wiring: Record<string, string>;
}

/** The plotly.js bundle, read from the installed `plotly.js-dist-min` package. */
export function plotlyBundle(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("plotly.js-dist-min"), "utf8");
}

/** JSON safe to embed in a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

/** The rows of the summary table: phase, held-out score, note. */
export function summaryRows(m: DemoMetrics): [string, string, string][] {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const delta = (x: number) => `${x >= m.sft.heldOutAccuracy ? "+" : ""}${(100 * (x - m.sft.heldOutAccuracy)).toFixed(1)} pts vs SFT`;
  const trend = (r: RlRunMetrics) => (r.rewardTrend === null ? "" : `, reward ${r.rewardTrend.first.toFixed(2)} → ${r.rewardTrend.last.toFixed(2)}`);
  return [
    ["SFT warm start", pct(m.sft.heldOutAccuracy), `${m.sft.loss.length} steps, ${m.sft.seconds.toFixed(1)} s`],
    ["Reward model (BT)", pct(m.rewardModel.heldOutPairwiseAccuracy), `pairwise, ${m.rewardModel.heldOutPairs} held-out pairs (${m.rewardModel.heldOutPairSource})`],
    ["RL: GRPO", pct(m.rl.grpo.heldOutAccuracy), `${delta(m.rl.grpo.heldOutAccuracy)}${trend(m.rl.grpo)}, ${m.rl.grpo.seconds.toFixed(1)} s`],
    ["RL: GRPO+TEMPO", pct(m.rl.tempo.heldOutAccuracy), `${delta(m.rl.tempo.heldOutAccuracy)}${trend(m.rl.tempo)}, ${m.rl.tempo.seconds.toFixed(1)} s`],
    ["DPO", pct(m.dpo.heldOutAccuracy), `${delta(m.dpo.heldOutAccuracy)}, ${m.dpo.pairs} pairs`],
    ["SimPO", pct(m.simpo.heldOutAccuracy), `${delta(m.simpo.heldOutAccuracy)}, ${m.simpo.pairs} pairs`],
  ];
}

/**
 * The terminal summary table (plain text, aligned columns).
 * @example
 * console.log(summaryTable(metrics));
 */
export function summaryTable(m: DemoMetrics): string {
  const header: [string, string, string] = ["phase", "held-out", "note"];
  const rows = [header, ...summaryRows(m)];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 1 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.slice(1).map(line), rule, `backend ${m.backend}, ${m.workers > 0 ? `${m.workers} workers` : "in-process"}, seed ${m.seed}, ${m.seconds.toFixed(1)} s total`].join("\n");
}

interface Trace {
  x: number[] | string[];
  y: number[];
  name: string;
  type: string;
  mode?: string;
}

const curve = (points: readonly CurvePoint[], name: string): Trace => ({
  x: points.map((p) => p.step),
  y: points.map((p) => p.value),
  name,
  type: "scatter",
  mode: "lines",
});

/** The plot specs of the report (data + layout per `<div>`), plain JSON. */
export function reportPlots(m: DemoMetrics): { id: string; title: string; data: unknown[]; layout: Record<string, unknown> }[] {
  const plots: { id: string; title: string; data: unknown[]; layout: Record<string, unknown> }[] = [];
  const phases = ["SFT", "GRPO", "GRPO+TEMPO", "DPO", "SimPO"];
  const accs = [m.sft.heldOutAccuracy, m.rl.grpo.heldOutAccuracy, m.rl.tempo.heldOutAccuracy, m.dpo.heldOutAccuracy, m.simpo.heldOutAccuracy];
  plots.push({
    id: "plot-accuracy-phase",
    title: "Held-out exact accuracy per phase",
    data: [{ x: phases, y: accs, type: "bar", name: "held-out accuracy", text: accs.map((a) => a.toFixed(3)), textposition: "auto" }],
    layout: { yaxis: { title: { text: "accuracy" }, range: [0, 1] } },
  });
  plots.push({
    id: "plot-accuracy-rl",
    title: "Held-out accuracy during RL (greedy)",
    data: [curve(m.rl.grpo.accuracy, "GRPO"), curve(m.rl.tempo.accuracy, "GRPO+TEMPO")].map((t) => ({ ...t, mode: "lines+markers" })),
    layout: { xaxis: { title: { text: "RL step" } }, yaxis: { title: { text: "accuracy" }, range: [0, 1] } },
  });
  plots.push({
    id: "plot-reward-rl",
    title: "Mean sampled reward during RL",
    data: [curve(m.rl.grpo.reward, "GRPO"), curve(m.rl.tempo.reward, "GRPO+TEMPO")],
    layout: { xaxis: { title: { text: "RL step" } }, yaxis: { title: { text: "mean reward" } } },
  });
  plots.push({
    id: "plot-loss-sft-rm",
    title: "Supervised and reward-model losses",
    data: [curve(m.sft.loss, "SFT cross-entropy"), curve(m.rewardModel.loss, "reward model (Bradley-Terry)")],
    layout: { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "loss" } } },
  });
  plots.push({
    id: "plot-loss-rl",
    title: "Policy losses during RL",
    data: [curve(m.rl.grpo.loss, "GRPO"), curve(m.rl.tempo.loss, "GRPO+TEMPO")],
    layout: { xaxis: { title: { text: "RL step" } }, yaxis: { title: { text: "loss" } } },
  });
  plots.push({
    id: "plot-loss-preference",
    title: "Offline preference losses and pair accuracy",
    data: [
      curve(m.dpo.loss, "DPO loss"),
      curve(m.simpo.loss, "SimPO loss"),
      { ...curve(m.dpo.pairAccuracy, "DPO pair accuracy"), yaxis: "y2", line: { dash: "dot" } },
      { ...curve(m.simpo.pairAccuracy, "SimPO pair accuracy"), yaxis: "y2", line: { dash: "dot" } },
    ],
    layout: {
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "loss" } },
      yaxis2: { title: { text: "pair accuracy" }, overlaying: "y", side: "right", range: [0, 1] },
    },
  });
  if (m.tempoHeatmap !== null) plots.push(heatmapPlot(m.tempoHeatmap));
  return plots;
}

/**
 * A token-level heatmap of per-token advantages over one prompt's responses (rows) and token
 * positions (columns); each cell shows its token. Ragged rows are padded with empty cells.
 */
export function heatmapPlot(h: AdvantageHeatmap): { id: string; title: string; data: unknown[]; layout: Record<string, unknown> } {
  const width = Math.max(1, ...h.tokens.map((r) => r.length));
  const pad = <T>(row: readonly T[], fill: T) => [...row, ...new Array<T>(width - row.length).fill(fill)];
  const z = h.advantages.map((r) => pad<number | null>(r, null));
  const text = h.tokens.map((r) => pad(r, ""));
  const maxAbs = Math.max(1e-9, ...h.advantages.flat().map(Math.abs));
  const rows = h.tokens.map((_, i) => h.rowLabels?.[i] ?? `response ${i}`);
  return {
    id: "plot-tempo-heatmap",
    title: `Per-token advantages over the prefix tree of "${h.prompt}"`,
    data: [
      {
        type: "heatmap",
        z,
        text,
        texttemplate: "%{text}",
        hovertemplate: "%{y}, token %{x}: %{text}<br>advantage %{z:.3f}<extra></extra>",
        x: Array.from({ length: width }, (_, t) => t),
        y: rows,
        colorscale: "RdBu",
        zmid: 0,
        zmin: -maxAbs,
        zmax: maxAbs,
      },
    ],
    layout: { xaxis: { title: { text: "response token" }, dtick: 1 }, yaxis: { autorange: "reversed" } },
  };
}

/** The self-contained HTML report (plotly.js inlined, no network access needed). */
export function reportHtml(m: DemoMetrics, bundle: string = plotlyBundle()): string {
  const plots = reportPlots(m);
  const rows = summaryRows(m)
    .map(([a, b, c]) => `<tr><td>${escapeHtml(a)}</td><td class="num">${escapeHtml(b)}</td><td>${escapeHtml(c)}</td></tr>`)
    .join("\n");
  const wiring = Object.entries(m.wiring)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}</code>: ${escapeHtml(v)}</li>`)
    .join("\n");
  const divs = plots.map((p) => `<section><h2>${escapeHtml(p.title)}</h2><div id="${p.id}" class="plot"></div></section>`).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>@rl demo report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; } td, th { padding: .25rem .75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plot { width: 100%; height: 380px; }
</style>
<script>${bundle.replace(/<\/script/gi, "<\\/script")}</script>
</head>
<body>
<h1>@rl demo: ${escapeHtml(m.task.name)}</h1>
<p>Backend <code>${escapeHtml(m.backend)}</code>, seed ${m.seed}${m.quick ? " (quick run)" : ""}, ${m.seconds.toFixed(1)} s.
Train ${m.task.trainSize} problems, held-out ${m.task.heldOutSize}.</p>
<table><thead><tr><th>phase</th><th>held-out</th><th>note</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Wiring</h2><ul>${wiring}</ul>
${divs}
<script>
const plots = ${scriptJson(plots)};
for (const p of plots) {
  Plotly.newPlot(p.id, p.data, Object.assign({ margin: { t: 20 }, legend: { orientation: "h" } }, p.layout), { responsive: true, displaylogo: false });
}
</script>
</body>
</html>
`;
}

/**
 * Writes `metrics.json` and `report.html` into `outDir` (created if needed); returns their paths.
 */
export function writeReport(m: DemoMetrics, outDir: string): { metricsPath: string; reportPath: string } {
  mkdirSync(outDir, { recursive: true });
  const metricsPath = join(outDir, "metrics.json");
  const reportPath = join(outDir, "report.html");
  writeFileSync(metricsPath, `${JSON.stringify(m, null, 2)}\n`);
  writeFileSync(reportPath, reportHtml(m));
  return { metricsPath, reportPath };
}
