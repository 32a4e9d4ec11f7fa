import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";
import { displayable, escapeHtml, formatValue, type Displayable } from "./displayable.js";

/** Options of {@link lineChart}. */
export const lineChartConfig = z.object({
  /** Title above the plot. Default none. */
  title: z.string().optional(),
  /** Label of the x axis. Default "x". */
  xLabel: z.string().default("x"),
  /** Label of the y axis. Default "y". */
  yLabel: z.string().default("y"),
  /** Width and height of the SVG in pixels. Defaults 560 × 320. */
  width: z.number().int().min(120).default(560),
  height: z.number().int().min(80).default(320),
});
export type LineChartConfig = z.input<typeof lineChartConfig>;

/** A line chart: an inline SVG in notebooks, a per-series summary (first, last, min, max) as text. */
export interface LineChart extends Displayable {
  readonly x: readonly number[];
  readonly series: Readonly<Record<string, readonly number[]>>;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** Rounds an axis span to 1, 2 or 5 × 10^k steps, about `count` of them. */
function ticks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/**
 * Plots named series against a shared x axis as a self-contained SVG (no scripts, no network),
 * so a notebook exported to HTML keeps its plots. Every series must have one value per x and
 * only finite values.
 *
 * @example lineChart([-2, 0, 2], { sigmoid: [0.12, 0.5, 0.88] }, { title: "σ(x)" })
 */
export function lineChart(x: readonly number[], series: Readonly<Record<string, readonly number[]>>, config: LineChartConfig = {}): LineChart {
  const { title, xLabel, yLabel, width, height } = parseConfig(lineChartConfig, config, "lineChart");
  if (!Array.isArray(x)) throw new RLError("INVALID_INPUT", `lineChart: x must be an array of numbers, got ${describeValue(x)}`);
  if (typeof series !== "object" || series === null) throw new RLError("INVALID_INPUT", `lineChart: series must be { name: number[] }, got ${describeValue(series)}`);
  const names = Object.keys(series);
  if (x.length < 2) throw new RLError("INVALID_INPUT", `lineChart: need at least 2 x values, got ${x.length}`);
  if (names.length === 0) throw new RLError("INVALID_INPUT", "lineChart: no series to plot");
  x.forEach((v, i) => {
    if (typeof v !== "number") throw new RLError("INVALID_INPUT", `lineChart: x[${i}] is ${describeValue(v)}; expected a number`);
    if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `lineChart: x[${i}] is ${v}`);
  });
  for (const name of names) {
    const ys = series[name] as readonly number[];
    if (!Array.isArray(ys)) throw new RLError("INVALID_INPUT", `lineChart: series "${name}" must be an array of numbers, got ${describeValue(ys)}`);
    if (ys.length !== x.length) throw new RLError("SHAPE_MISMATCH", `lineChart: series "${name}" has ${ys.length} values, x has ${x.length}`);
    ys.forEach((v, i) => {
      if (typeof v !== "number") throw new RLError("INVALID_INPUT", `lineChart: series "${name}"[${i}] is ${describeValue(v)}; expected a number`);
      if (!Number.isFinite(v)) throw new RLError("NON_FINITE", `lineChart: series "${name}"[${i}] is ${v}`);
    });
  }
  const all = names.flatMap((n) => series[n] as readonly number[]);
  const [xLo, xHi] = [Math.min(...x), Math.max(...x)];
  let [yLo, yHi] = [Math.min(...all), Math.max(...all)];
  if (yLo === yHi) [yLo, yHi] = [yLo - 1, yHi + 1];
  const pad = { left: 56, right: 120, top: title === undefined ? 12 : 32, bottom: 40 };
  const pw = width - pad.left - pad.right;
  const ph = height - pad.top - pad.bottom;
  const sx = (v: number) => pad.left + ((v - xLo) / (xHi - xLo || 1)) * pw;
  const sy = (v: number) => pad.top + ph - ((v - yLo) / (yHi - yLo)) * ph;
  const f = (v: number) => v.toFixed(1);

  const toHTML = () => {
    const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="rl-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`];
    if (title !== undefined) parts.push(`<text x="${pad.left}" y="18" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`);
    for (const t of ticks(yLo, yHi, 5)) {
      parts.push(`<line x1="${pad.left}" x2="${pad.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${pad.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${formatValue(t, 3)}</text>`);
    }
    for (const t of ticks(xLo, xHi, 6)) parts.push(`<text x="${f(sx(t))}" y="${pad.top + ph + 16}" text-anchor="middle">${formatValue(t, 3)}</text>`);
    parts.push(`<rect x="${pad.left}" y="${pad.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    parts.push(`<text x="${pad.left + pw / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`);
    parts.push(`<text transform="translate(14 ${pad.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`);
    names.forEach((name, k) => {
      const color = PALETTE[k % PALETTE.length] as string;
      const ys = series[name] as readonly number[];
      const points = x.map((xv, i) => `${f(sx(xv))},${f(sy(ys[i] as number))}`).join(" ");
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${points}"/>`);
      const ly = pad.top + 8 + k * 16;
      parts.push(`<line x1="${pad.left + pw + 10}" x2="${pad.left + pw + 28}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
      parts.push(`<text x="${pad.left + pw + 32}" y="${ly + 4}">${escapeHtml(name)}</text>`);
    });
    parts.push("</svg>");
    return parts.join("");
  };
  const toText = () => {
    const w = Math.max(6, ...names.map((n) => n.length));
    const head = `${"series".padEnd(w)}  ${["first", "last", "min", "max"].map((h) => h.padStart(9)).join(" ")}`;
    const lines = names.map((n) => {
      const ys = series[n] as readonly number[];
      const stats = [ys[0] as number, ys[ys.length - 1] as number, Math.min(...ys), Math.max(...ys)];
      return `${n.padEnd(w)}  ${stats.map((v) => formatValue(v, 4).padStart(9)).join(" ")}`;
    });
    const header = `${title ?? "line chart"} (${yLabel} against ${xLabel}, ${x.length} points)`;
    return [header, head, ...lines].join("\n");
  };
  return { x, series, ...displayable(toHTML, toText) };
}
