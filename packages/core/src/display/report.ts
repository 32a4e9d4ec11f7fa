import { RLError } from "../errors.js";
import { displayable, escapeHtml, type Displayable } from "./displayable.js";

/** A part of a {@link displayReport}: a paragraph of text or anything displayable. */
export type ReportPart = string | Displayable;

/**
 * Stacks a title, paragraphs, tables and charts into one displayable report (one notebook
 * output, one HTML fragment, one block of text). Strings become paragraphs.
 *
 * @example
 * const rows = [{ step: 1, loss: 0.69 }, { step: 2, loss: 0.12 }], steps = [1, 2], loss = [0.69, 0.12];
 * displayReport("DPO run", ["loss fell from 0.69 to 0.12", metricTable(rows), lineChart(steps, { loss })])
 */
export function displayReport(title: string, parts: readonly ReportPart[]): Displayable {
  if (!Array.isArray(parts)) throw new RLError("INVALID_INPUT", `displayReport: parts must be an array, got ${typeof parts}`);
  parts.forEach((p, i) => {
    if (typeof p !== "string" && (typeof p !== "object" || p === null || typeof (p as Displayable).toHTML !== "function")) {
      throw new RLError("INVALID_INPUT", `displayReport: part ${i} is neither a string nor displayable (a metricTable, lineChart, Matrix or report)`);
    }
  });
  const toHTML = () =>
    `<section class="rl-report"><h3>${escapeHtml(title)}</h3>${parts.map((p) => (typeof p === "string" ? `<p>${escapeHtml(p)}</p>` : `<div>${p.toHTML()}</div>`)).join("")}</section>`;
  const toText = () => [`${title}\n${"=".repeat(title.length)}`, ...parts.map((p) => String(p))].join("\n\n");
  return displayable(toHTML, toText);
}
