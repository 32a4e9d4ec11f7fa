// Rich display in notebooks: Deno's Jupyter kernel calls `obj[Symbol.for("Jupyter.display")]()`
// on a cell's value and shows the MIME bundle it returns; Node's `util.inspect` (the REPL,
// tslab, console.log) calls `obj[Symbol.for("nodejs.util.inspect.custom")]()`.
import { RLError } from "../errors.js";
import { describeValue } from "../validate.js";

/** The symbol Deno's Jupyter kernel looks up on a cell's value for a MIME bundle. */
export const jupyterDisplay: unique symbol = Symbol.for("Jupyter.display") as never;
/** The symbol Node's `util.inspect` (REPL, `console.log`, tslab) looks up for custom text. */
export const nodeInspect: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** A MIME bundle: `text/plain` always, `text/html` for rich front ends. */
export interface MimeBundle {
  readonly "text/plain": string;
  readonly "text/html": string;
}

/**
 * Something that renders as HTML in a notebook and as aligned text in a terminal: tables,
 * charts, reports. `toHTML()` is a self-contained fragment (inline styles, no scripts).
 */
export interface Displayable {
  toHTML(): string;
  toString(): string;
  [jupyterDisplay](): MimeBundle;
  [nodeInspect](): string;
}

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  if (typeof text !== "string") throw new RLError("INVALID_INPUT", `escapeHtml: text must be a string, got ${describeValue(text)}`);
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/**
 * Formats a number for display: integers as they are, others with `digits` significant digits
 * (default 4), `null`/`undefined` as an em dash, non-finite values by name.
 */
export function formatValue(value: number | string | boolean | null | undefined, digits = 4): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) throw new RLError("INVALID_INPUT", `formatValue: digits must be an integer in [1, 21], got ${describeValue(digits)}`);
  if (value === null || value === undefined) return "—";
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  if (typeof value !== "number") return describeValue(value);
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

/** Builds a {@link Displayable} from an HTML renderer and a text renderer. */
export function displayable(toHTML: () => string, toText: () => string): Displayable {
  return {
    toHTML,
    toString: toText,
    [jupyterDisplay]: () => ({ "text/plain": toText(), "text/html": toHTML() }),
    [nodeInspect]: toText,
  };
}
