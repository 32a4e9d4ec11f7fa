import type { Matrix } from "@rl/core";
import type { PrefixTreeNode } from "@rl/credit";
import { computeExplorer, exampleInput, parseExplorerInput, type ExplorerResult } from "./explorer.js";
import { runDpoStep } from "./dpo-step.js";

const byId = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`missing #${id}`);
  return el as T;
};

/** Diverging colour: blue for negative, red for positive, white at 0; `scale` = the largest |value|. */
function heatColor(v: number, scale: number): string {
  const a = scale > 0 ? Math.min(1, Math.abs(v) / scale) : 0;
  const [r, g, b] = v >= 0 ? [214, 39, 40] : [31, 119, 180];
  const mix = (c: number) => Math.round(255 + (c - 255) * a * 0.85);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

function drawHeatmap(target: HTMLElement, name: string, values: Matrix, result: ExplorerResult, cutpoints?: number[][]): void {
  const { responses, mask, outcomes, decode } = result.group;
  const rows = values.toArray() as number[][];
  let scale = 0;
  rows.forEach((row, b) => row.forEach((v, t) => ((mask[b] as number[])[t] === 1 ? (scale = Math.max(scale, Math.abs(v))) : 0)));
  const table = document.createElement("table");
  table.className = "heatmap";
  rows.forEach((row, b) => {
    const words = document.createElement("tr");
    const vals = document.createElement("tr");
    const head = document.createElement("th");
    head.rowSpan = 2;
    head.textContent = `#${b}  R=${outcomes[b] as number}`;
    words.append(head);
    row.forEach((v, t) => {
      const w = document.createElement("td");
      const c = document.createElement("td");
      if ((mask[b] as number[])[t] === 1) {
        w.className = "word";
        w.textContent = decode((responses[b] as number[])[t] as number);
        c.className = "value cell";
        c.dataset.value = String(v);
        c.dataset.row = String(b);
        c.dataset.col = String(t);
        c.id = `${name}-${b}-${t}`;
        c.textContent = v.toFixed(3);
        c.style.background = heatColor(v, scale);
        w.style.background = c.style.background;
        if (cutpoints?.[b]?.includes(t)) c.style.outline = "2px solid #333";
      }
      words.append(w);
      vals.append(c);
    });
    table.append(words, vals);
  });
  target.replaceChildren(table);
}

function drawTree(target: HTMLElement, nodes: PrefixTreeNode[], decode: (t: number) => string): void {
  const item = (node: PrefixTreeNode): HTMLLIElement => {
    // Merge chains of single children holding the same rows into one line.
    const tokens: string[] = [];
    let cur = node;
    if (cur.token !== null) tokens.push(decode(cur.token));
    for (;;) {
      const only = cur.children.length === 1 ? (nodes[cur.children[0] as number] as PrefixTreeNode) : undefined;
      if (only === undefined || only.count !== cur.count || cur.parent === null) break;
      cur = only;
      tokens.push(decode(only.token as number));
    }
    const li = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = cur.parent === null ? "⟨prompt⟩" : tokens.join(" ");
    if (cur.isBranchPoint) label.className = "branch";
    const nv = document.createElement("span");
    nv.className = "nv";
    nv.textContent = `  n=${cur.count} V=${cur.value.toFixed(3)}`;
    li.append(label, nv);
    li.dataset.node = String(cur.id);
    if (cur.children.length > 0) {
      const ul = document.createElement("ul");
      for (const c of cur.children) ul.append(item(nodes[c] as PrefixTreeNode));
      li.append(ul);
    }
    return li;
  };
  const ul = document.createElement("ul");
  ul.className = "tree";
  for (const n of nodes) if (n.parent === null) ul.append(item(n));
  target.replaceChildren(ul);
}

async function compute(): Promise<void> {
  const status = byId("status");
  const error = byId("error");
  error.textContent = "";
  status.textContent = "computing…";
  try {
    const result = computeExplorer(parseExplorerInput(byId<HTMLTextAreaElement>("input").value));
    drawTree(byId("tree"), result.nodes, result.group.decode);
    drawHeatmap(byId("grpo-heatmap"), "grpo", result.grpo, result);
    drawHeatmap(byId("tempo-heatmap"), "tempo", result.tempo, result);
    drawHeatmap(byId("spo-heatmap"), "spo", result.spo, result, result.spoCutpoints);
    byId("results").hidden = false;
  } catch (e) {
    error.textContent = e instanceof Error ? e.message : String(e);
    status.textContent = "";
    document.body.dataset.state = "error";
    return;
  }
  const dpo = byId("dpo-result");
  try {
    const r = await runDpoStep();
    dpo.dataset.backend = r.backend;
    dpo.dataset.loss = String(r.loss);
    dpo.textContent =
      `backend: ${r.backend}   loss: ${r.loss.toFixed(6)}   ` +
      `∂L/∂chosen: [${r.gradChosen.map((g) => g.toFixed(4)).join(", ")}]   ∂L/∂rejected: [${r.gradRejected.map((g) => g.toFixed(4)).join(", ")}]`;
  } catch (e) {
    dpo.dataset.backend = "error";
    dpo.textContent = `DPO step failed: ${e instanceof Error ? e.message : String(e)}`;
    console.error(e);
  }
  status.textContent = "done";
  document.body.dataset.state = "done";
}

/** The example as compact JSON: one response per line, the rewards on one line. */
function formatInput(input: typeof exampleInput): string {
  const responses = input.responses.map((r) => `    ${JSON.stringify(r)}`).join(",\n");
  return `{\n  "responses": [\n${responses}\n  ],\n  "rewards": ${JSON.stringify(input.rewards)}\n}`;
}

byId<HTMLTextAreaElement>("input").value = formatInput(exampleInput);
byId("compute").addEventListener("click", () => void compute());
