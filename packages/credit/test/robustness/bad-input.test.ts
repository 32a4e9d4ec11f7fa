// Regression tests for issue 19 (bad input never corrupts).
import { describe, expect, it } from "vitest";
import { expectRLError } from "@rl/core/testing";
import {
  adaptiveKlController,
  bestOfKValue,
  fixedKlController,
  gpgAdvantages,
  grpoAdvantages,
  macroAggregate,
  monteCarloStepLabels,
  placeStepRewards,
  prefixTokenValues,
  prefixTree,
} from "../../src/index.js";
import * as c from "../../src/index.js";


describe("defect 2: masks outside {0, 1}", () => {
  it("placeStepRewards with a −1 in the mask → INVALID_INPUT (was Infinity)", () => {
    expectRLError(
      () => placeStepRewards({ stepRewards: [[1]], stepMask: [[1]], stepEnds: [[1]], mask: [[1, -1, 1]] }, { spread: "uniform" }),
      /mask\[0\]\[1\]/,
    );
    expectRLError(() => placeStepRewards(undefined as never), /input must be an object/);
  });
});

describe("defect 5: KL controllers reject malformed state", () => {
  it("adaptiveKlController().update({kl, steps}, {}) → RLError (β was NaN)", () => {
    expectRLError(() => adaptiveKlController().update({ kl: 0.2, steps: 256 }, {} as never), /state\.beta/);
    expectRLError(() => fixedKlController().update({ kl: 0.2, steps: 256 }, { beta: -1 }), /state\.beta/);
    const ctl = adaptiveKlController();
    const s = JSON.parse(JSON.stringify(ctl.update({ kl: 0.2, steps: 256 }, ctl.init()).state));
    expect(Number.isFinite(ctl.update({ kl: 0.2, steps: 256 }, s).state.beta)).toBe(true);
  });
});

describe("defect 6: overflow from finite inputs says so", () => {
  it("gpgAdvantages fNorm 1e-300 → NON_FINITE (was Infinity)", () => {
    const e = expectRLError(() => gpgAdvantages({ outcomes: [1, 0], mask: [[1], [1]], groups: [0, 0] }, { fNorm: 1e-300 }));
    expect(e.code).toBe("NON_FINITE");
  });
  it("grpoAdvantages float32 overflow names the dtype", () => {
    const batch = { outcomes: [1e39, 0], mask: [[1], [1]], groups: [0, 0] };
    expectRLError(() => grpoAdvantages(batch, { normalizeByStd: false }), /overflows the float32 output.*float64/);
    expect(grpoAdvantages(batch, { normalizeByStd: false, dtype: "float64" }).advantages.data[0]).toBeCloseTo(5e38, -30);
  });
});

describe("defect 10: macroAggregate with a huge start id", () => {
  it("[[0, 1e308, 6, 7]] → INVALID_INPUT (was a V8 fatal 'invalid size' crash)", () => {
    const values = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]];
    const mask = [[1, 1, 1, 1, 1, 1, 1, 1]];
    expectRLError(() => macroAggregate(values, mask, [[0, 1e308, 6, 7]]), /starts\[0\]/);
    expectRLError(() => macroAggregate(values, mask, [[0, 100, 6, 7]]), /starts\[0\]/);
    expectRLError(() => macroAggregate(values, mask, [null as never]), /starts\[0\]/);
  });
});

describe("defect 16: prefixTokenValues never hangs on a malformed forest", () => {
  it("rows −1, cols −2^31 → INVALID_INPUT at once", () => {
    const forest = prefixTree({ tokenIds: [[1, 2], [1, 3]], mask: [[1, 1], [1, 1]], groups: [0, 0], outcomes: [1, 0] });
    const t0 = performance.now();
    expectRLError(() => prefixTokenValues({ ...forest, rows: -1, cols: -(2 ** 31) }), /forest\.rows/);
    expectRLError(() => prefixTokenValues({ ...forest, nodeAfter: new Int32Array([99, 0, 0, 0]) }), /nodeAfter\[0\]/);
    expectRLError(() => prefixTokenValues(undefined as never), /PrefixForest/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(prefixTokenValues(forest).valueAfter.shape).toEqual([2, 2]);
  });
});

describe("defect 18 / 19: bestOfKValue and monteCarloStepLabels arguments", () => {
  it("bestOfKValue() and bestOfKValue(0.5, −2) → RLError (were NaN and −3)", () => {
    expectRLError(() => (bestOfKValue as (...a: unknown[]) => number)(), /value/);
    expectRLError(() => bestOfKValue(0.5, -2), /k must be/);
    expectRLError(() => bestOfKValue(1.5, 2), /value/);
    expect(bestOfKValue(0.25, 4)).toBeCloseTo(0.68359375);
  });
  it("monteCarloStepLabels(2^53, …) → RLError (was RangeError)", async () => {
    await expect(monteCarloStepLabels(2 ** 53, async () => true)).rejects.toMatchObject({ code: "INVALID_INPUT" });
    await expect(monteCarloStepLabels(3, undefined as never)).rejects.toMatchObject({ code: "INVALID_INPUT" });
  });
});

describe("found by pnpm fuzz (tools/fuzz): more boundaries", () => {
  it("forests, value estimators and oracles are checked", async () => {
    const forest = c.prefixTree({ tokenIds: [[5, 7], [5, 8]], mask: [[1, 1], [1, 1]], groups: [0, 0], outcomes: [1, 0] });
    expectRLError(() => c.prefixTreeNodes({ ...forest, nodeCount: 2 ** 53 }), /prefixTreeNodes: forest.nodeCount/);
    expectRLError(() => c.renderPrefixTree(null as never), /prefixTreeNodes: forest must be a PrefixForest/);
    expectRLError(() => c.spoChainValues([0], {} as never), /spoChainValues: rollouts must be a Map/);
    await expect(c.spoChainValuesAsync([0], 1 as never)).rejects.toThrow(/spoChainValuesAsync: sample must be an async function/);
    await expect(c.monteCarloValue(2, 1.5 as never)).rejects.toThrow(/monteCarloValue: complete must be an async function/);
  });
});
