import { z } from "zod";
import { parseConfig } from "../config.js";
import { RLError } from "../errors.js";
import { displayable, escapeHtml, formatValue, type Displayable } from "./displayable.js";

/** A cell of a metric table. */
export type MetricValue = number | string | boolean | null | undefined;

/** Options of {@link metricTable}. */
export const metricTableConfig = z.object({
  /** Caption above the table. Default none. */
  title: z.string().optional(),
  /** Column order; default: the keys in order of first appearance. */
  columns: z.array(z.string()).optional(),
  /** Significant digits of non-integer numbers. Default 4. */
  digits: z.number().int().min(1).max(17).default(4),
});
export type MetricTableConfig = z.input<typeof metricTableConfig>;

/** A table of metrics (one row per run / method / step) that renders in notebooks and terminals. */
export interface MetricTable extends Displayable {
  readonly title: string | undefined;
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, MetricValue>>[];
}

/**
 * Wraps rows of metrics as a {@link MetricTable}: an HTML `<table>` in Jupyter (Deno kernel, via
 * `Symbol.for("Jupyter.display")`), an aligned text table in `console.log` / the Node REPL /
 * tslab. A single record is one row. Numbers are right-aligned with `digits` significant digits.
 *
 * @example metricTable([{ method: "GRPO", reward: 0.62 }, { method: "TEMPO", reward: 0.61 }])
 */
export function metricTable(
  rows: readonly Readonly<Record<string, MetricValue>>[] | Readonly<Record<string, MetricValue>>,
  config: MetricTableConfig = {},
): MetricTable {
  const { title, columns: order, digits } = parseConfig(metricTableConfig, config, "metricTable");
  const list = Array.isArray(rows) ? (rows as readonly Readonly<Record<string, MetricValue>>[]) : [rows as Readonly<Record<string, MetricValue>>];
  for (const [i, row] of list.entries()) {
    if (typeof row !== "object" || row === null) throw new RLError("INVALID_INPUT", `metricTable: row ${i} must be an object, got ${row === null ? "null" : typeof row}`);
  }
  const columns = order ?? [...new Set(list.flatMap((r) => Object.keys(r)))];
  const cell = (row: Readonly<Record<string, MetricValue>>, c: string) => formatValue(row[c], digits);
  const numeric = columns.map((c) => list.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === "number"));
  const toHTML = () => {
    const head = columns.map((c) => `<th style="text-align:left;padding:2px 8px">${escapeHtml(c)}</th>`).join("");
    const body = list
      .map((r) => `<tr>${columns.map((c, j) => `<td style="text-align:${numeric[j] ? "right" : "left"};padding:2px 8px;font-variant-numeric:tabular-nums">${escapeHtml(cell(r, c))}</td>`).join("")}</tr>`)
      .join("");
    const caption = title === undefined ? "" : `<caption style="text-align:left;font-weight:bold">${escapeHtml(title)}</caption>`;
    return `<table class="rl-metrics" style="border-collapse:collapse">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
  };
  const toText = () => {
    const cells = list.map((r) => columns.map((c) => cell(r, c)));
    const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((r) => (r[j] as string).length)));
    const line = (values: readonly string[], header: boolean) =>
      values.map((v, j) => (numeric[j] && !header ? v.padStart(widths[j] as number) : v.padEnd(widths[j] as number))).join("  ").trimEnd();
    const out = [line(columns, true), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map((r) => line(r, false))];
    return (title === undefined ? out : [title, ...out]).join("\n");
  };
  return { title, columns, rows: list, ...displayable(toHTML, toText) };
}
