import { jupyterDisplay, type MimeBundle } from "./displayable.js";

/** The part of Deno's `Deno.jupyter` namespace that {@link show} uses. */
interface DenoJupyter {
  broadcast(msgType: string, content: Record<string, unknown>): Promise<void>;
}

function denoJupyter(): DenoJupyter | undefined {
  const deno = (globalThis as { Deno?: { jupyter?: Partial<DenoJupyter> } }).Deno;
  const j = deno?.jupyter;
  return j !== undefined && typeof j.broadcast === "function" ? (j as DenoJupyter) : undefined;
}

/**
 * Shows a value in a notebook and resolves once the front end has been sent it: in Deno's Jupyter
 * kernel a `display_data` message with the value's MIME bundle (`Symbol.for("Jupyter.display")`:
 * tables, charts, reports, `Matrix`); anywhere else (tslab, Node, the browser console) its text
 * form through `console.log`.
 *
 * Why not just end the cell with the value: Deno's kernel can publish a cell's `execute_result`
 * after it reports the cell idle, and headless runners (`jupyter nbconvert --execute`) stop
 * listening at idle, so the output is sometimes lost. An awaited `show` is sent while the cell
 * still runs, so executed notebooks and their HTML exports are reproducible.
 *
 * @example
 * const rows = [{ step: 100, loss: 0.12 }];
 * await show(metricTable(rows, { title: "held-out" }));
 */
export async function show(value: unknown): Promise<void> {
  const jupyter = denoJupyter();
  const render = (value as { [jupyterDisplay]?: () => MimeBundle } | null | undefined)?.[jupyterDisplay];
  if (jupyter !== undefined && typeof render === "function") {
    const bundle = render.call(value);
    await jupyter.broadcast("display_data", { data: bundle, metadata: {}, transient: {} });
    return;
  }
  console.log(value); // util.inspect → the text form of tables, charts, reports and Matrix
}
