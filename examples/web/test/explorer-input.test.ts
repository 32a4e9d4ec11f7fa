import { readFileSync } from "node:fs";
import { grpoAdvantages } from "@rl/credit";
import { describe, expect, it } from "vitest";
import { computeExplorer, exampleInput, parseExplorerInput } from "../src/explorer.js";

const docs = new URL("../../../docs/web.md", import.meta.url).pathname;

describe("parseExplorerInput", () => {
  it("maps words to ids in order of first appearance and pads with -1", () => {
    const g = parseExplorerInput({ responses: ["a b c", "a d"], rewards: [1, 0] });
    expect(g.responses).toEqual([[0, 1, 2], [0, 3, -1]]);
    expect(g.mask).toEqual([[1, 1, 1], [1, 1, 0]]);
    expect(g.decode(3)).toBe("d");
  });

  it("rejects mismatched rewards, bad ids and bad probs", () => {
    expect(() => parseExplorerInput({ responses: ["a"], rewards: [1, 2] })).toThrow(/rewards has 2 entries, responses has 1/);
    expect(() => parseExplorerInput({ responses: [[1, -2]], rewards: [1] })).toThrow(/responses\[0\]/);
    expect(() => parseExplorerInput({ responses: ["a b"], rewards: [1], probs: [[0.5]] })).toThrow(/probs\[0\] has 1 entries/);
    expect(() => parseExplorerInput('{"responses": [], "rewards": []}')).toThrow(/non-empty/);
  });
});

describe("computeExplorer", () => {
  it("gives GRPO equal to grpoAdvantages and SPO segment advantages from the tree's prefix values", () => {
    const g = parseExplorerInput(exampleInput);
    const r = computeExplorer(g);
    expect(r.grpo.toArray()).toEqual(grpoAdvantages({ rewards: g.outcomes, mask: g.mask, groups: g.groups }).advantages.toArray());
    // "the answer is 4" (p = 2/4 = 0.5 < 0.9) opens a segment worth V(the answer is 4) − V(the answer is) = 1 − 0.5.
    expect(r.spo.get(0, 3)).toBeCloseTo(0.5, 12);
    expect(r.spo.get(2, 3)).toBeCloseTo(-0.5, 12);
    // Shared tokens (branch frequency 1) get SPO advantage 0.
    expect(r.spo.get(0, 0)).toBe(0);
  });

  it("runs the JSON example of docs/web.md (with probs)", () => {
    const md = readFileSync(docs, "utf8");
    const json = /## Input\n\n```json\n([\s\S]*?)```/.exec(md)?.[1];
    expect(json).toBeDefined();
    const r = computeExplorer(parseExplorerInput(json as string));
    expect(r.spoProbs[1]?.slice(0, 4)).toEqual([0.9, 0.99, 0.98, 0.5]);
    for (const row of r.spo.toArray() as number[][]) for (const v of row) expect(Number.isFinite(v)).toBe(true);
  });
});
