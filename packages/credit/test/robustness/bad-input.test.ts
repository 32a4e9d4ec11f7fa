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
import { tf } from "@rl/core";


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
    const e = expectRLError(() => gpgAdvantages({ rewards: [1, 0], mask: [[1], [1]], groups: [0, 0] }, { fNorm: 1e-300 }));
    expect(e.code).toBe("NON_FINITE");
  });
  it("grpoAdvantages float32 overflow names the dtype", () => {
    const batch = { rewards: [1e39, 0], mask: [[1], [1]], groups: [0, 0] };
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
    const forest = prefixTree({ tokenIds: [[1, 2], [1, 3]], mask: [[1, 1], [1, 1]], groups: [0, 0], rewards: [1, 0] });
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
    const forest = c.prefixTree({ tokenIds: [[5, 7], [5, 8]], mask: [[1, 1], [1, 1]], groups: [0, 0], rewards: [1, 0] });
    expectRLError(() => c.prefixTreeNodes({ ...forest, nodeCount: 2 ** 53 }), /prefixTreeNodes: forest.nodeCount/);
    expectRLError(() => c.renderPrefixTree(null as never), /prefixTreeNodes: forest must be a PrefixForest/);
    expectRLError(() => c.spoChainValues([0], {} as never), /spoChainValues: rollouts must be a Map/);
    await expect(c.spoChainValuesAsync([0], 1 as never)).rejects.toThrow(/spoChainValuesAsync: sample must be an async function/);
    await expect(c.monteCarloValue(2, 1.5 as never)).rejects.toThrow(/monteCarloValue: complete must be an async function/);
  });
});

describe("found by pnpm fuzz (tools/fuzz): missing objects, disposed tensors, huge finite inputs", () => {
  const disposed = () => {
    const t = tf.tensor1d([1, 2]);
    t.dispose();
    return t;
  };

  it("a missing batch, input or list is an RLError naming the argument (was a TypeError)", () => {
    expectRLError(() => c.anchorGroups(undefined as never, [0]), /anchorGroups: anchors must be an array, got undefined/);
    expectRLError(() => c.assignCredit("rl/grpo", null as never), /assignCredit: batch must be an object, got null/);
    expectRLError(() => c.defineCreditAssigner(undefined as never), /defineCreditAssigner: def must be an object/);
    expectRLError(() => c.capoVotes([5 as never], [[1, 1]]), /capoVotes: critiques\[0\] must be a list/);
    expectRLError(() => c.gigpoStepReturns([1, 2], undefined as never), /gigpoStepReturns: trajectories must be an array/);
    expectRLError(() => c.macroGae(null as never), /macroGae: input must be an object, got null/);
    expectRLError(() => c.mathShepherdLabels(undefined as never), /mathShepherdLabels: completions must be an array/);
    expectRLError(() => c.omegaPrmPriority(undefined as never), /omegaPrmPriority: x must be an object/);
    expectRLError(() => c.progressRewards(undefined as never), /progressRewards: input must be an object/);
    expectRLError(() => c.pureAdvantages(null as never), /pureAdvantages: input must be an object/);
    expectRLError(() => c.shapeStepRewards(undefined as never, { method: "delta" } as never), /shapeStepRewards: input must be an object/);
    expectRLError(() => c.restMctsValues([0], undefined as never), /restMctsValues: distances must be an array/);
    expectRLError(() => c.capoAdvantages(null as never), /capoAdvantages: input must be an object/);
    expectRLError(() => c.primeAdvantages(null as never), /primeAdvantages: input must be an object/);
    expectRLError(() => c.posteriorGrpoAdvantages(undefined as never), /posteriorGrpoAdvantages: input must be an object/);
    expectRLError(() => c.spoChainAdvantages(undefined as never), /spoChainAdvantages: input must be an object/);
    expectRLError(() => c.spoChainBatchAdvantages(null as never), /spoChainBatchAdvantages: batch must be an object/);
    expectRLError(
      () => c.spoChainAdvantages({ probs: [0.5, 0.9], cutValues: null as never, score: 1 }),
      /spoChainAdvantages: cutValues must be an object, got null/,
    );
    expectRLError(() => c.spoTreeTokenAdvantages({} as never, [1]), /spoTreeTokenAdvantages: edges must be an array/);
    expectRLError(() => c.gigpoAdvantages(undefined as never), /gigpoAdvantages: input must be an object/);
    expectRLError(
      () => c.spoChainBatchAdvantages({ probs: [[0.5, 0.9]], mask: [[1, 1]], cutValues: null as never, rewards: [1] }),
      /spoChainBatchAdvantages: cutValues must be an array, got null/,
    );
  });

  it("a disposed tensor where a number belongs is described, not printed (toString threw)", async () => {
    expectRLError(() => c.omegaPrmPriority({ mc: disposed() as never, rolloutLength: 1, visits: 0, totalVisits: 1 }), /mc is a float32 tensor \[2\]/);
    expectRLError(() => c.restMctsValues([0, 1], [1, disposed() as never]), /distances\[1\] is a float32 tensor/);
    expectRLError(() => c.spoTreeValues({ parent: [-1, 0], reward: [null, disposed() as never] }), /reward\[1\] is a float32 tensor/);
    expectRLError(() => c.spoTreeValues({ parent: [-1, disposed() as never], reward: [null, 1] }), /parent\[1\] is a float32 tensor/);
    await expect(c.spoChainValuesAsync([0, disposed() as never], async () => [1])).rejects.toThrow(/cutpoints\[1\] is a float32 tensor/);
    expectRLError(() => c.spoChainValues([disposed() as never], () => [1]), /cutpoints\[0\] is a float32 tensor/);
    await expect(c.firstErrorSearch(disposed() as never, async () => true)).rejects.toThrow(/numSteps is a float32 tensor/);
  });

  it("prefix-tree listing and rendering check the node fields and options", () => {
    const forest = c.prefixTree({ tokenIds: [[5, 7], [5, 8]], mask: [[1, 1], [1, 1]], groups: [0, 0], rewards: [1, 0] });
    expectRLError(() => c.prefixTreeNodes({ ...forest, ends: null as never }), /forest\.ends must be a typed array/);
    expectRLError(() => c.prefixTreeNodes({ ...forest, roots: new Int32Array(0) }), /forest\.roots has 0 entries/);
    expectRLError(() => c.renderPrefixTree(forest, { digits: 1e308 }), /renderPrefixTree: digits must be an integer in \[0, 100\]/);
    expect(c.renderPrefixTree(forest)).toContain("group 0");
  });

  it("finite inputs near 1e308 whose sums overflow → NON_FINITE naming the output (was Inf/NaN)", () => {
    expectRLError(
      () => c.remaxAdvantages({ tokenRewards: [[1e308, 0]], mask: [[1, 1]], baselines: [-1e308] }),
      /remaxAdvantages: returns\[0\]\[0\] is Infinity from finite inputs.*float32/,
    );
    expectRLError(() => c.multiObjectiveOutcomes([[1e308, 1e308], [0, 0]], [0, 0], { weights: [1, 1] }), /multiObjectiveOutcomes: outcomes\[0\]/);
    expectRLError(
      () => c.spoChainAdvantages({ probs: [0.5, 0.95, 0.6, 0.99], cutValues: { "-1": -1e308 }, score: 1e308 }),
      /spoChainAdvantages: the advantage at state/,
    );
    expectRLError(() => c.spoTreeEdges({ parent: [-1, 0, 0], reward: [null, 1e308, -1e308] }), /spoTreeEdges: /);
    expectRLError(
      () => c.spoTreeTokenAdvantages([{ parent: 0, child: 1, value: 0, parentValue: 0, leaf: true, advantage: 0, proverAdvantage: 0, total: 1e308 }], [0, 2]),
      /spoTreeTokenAdvantages: advantages\[0\]\[0\] is Infinity/,
    );
    expectRLError(
      () => c.spoTreeTokenAdvantages([{ parent: 0, child: 1, value: 0, parentValue: 0, leaf: true, advantage: 0, proverAdvantage: 0, total: 1 }], [0, 1e308]),
      /too large an output/,
    );
    // and the same calls with ordinary numbers still work
    expect(c.remaxAdvantages({ tokenRewards: [[1, 0]], mask: [[1, 1]], baselines: [0.5] }).advantages.toArray()).toEqual([[0.5, -0.5]]);
  });
});
